/* inputs.c — shared -c/-f/--zones/--aliases handling (see inputs.h). */
#include "inputs.h"

#include "config.h"
#include "zones.h"

#include <stddef.h>

void inputs_init(struct inputs *in)
{
    in->config_path = NULL;
    in->profile = NULL;
    in->zones_path = NULL;
    in->aliases_path = NULL;
    in->config = NULL;
    in->zones = NULL;
    in->files = NULL;
    in->nfiles = 0;
}

int inputs_opt(struct inputs *in, int c, const char *arg)
{
    switch (c) {
    case 'c':
        in->config_path = arg;
        return 1;
    case 'f':
        in->profile = arg;
        return 1;
    case INPUTS_OPT_ZONES:
        in->zones_path = arg;
        return 1;
    case INPUTS_OPT_ALIASES:
        in->aliases_path = arg;
        return 1;
    default:
        return 0;
    }
}

void inputs_files(struct inputs *in, int argc, char **argv, int optind_)
{
    in->files = argv + optind_;
    in->nfiles = argc - optind_;
}

int inputs_load(struct inputs *in, struct etl_err *err)
{
    if (in->config_path) {
        in->config = config_load(in->config_path, err);
        if (!in->config)
            return -1;
        if (!in->zones_path)
            in->zones_path = in->config->zones;
        if (!in->aliases_path)
            in->aliases_path = in->config->aliases;
    }
    if (in->aliases_path && !in->zones_path)
        return etl_fail(err, E_USAGE, "--aliases needs a zone list (--zones or the config's zones)");
    if (in->zones_path) {
        in->zones = zones_load(in->zones_path, in->aliases_path, err);
        if (!in->zones)
            return -1;
    }
    return 0;
}

void inputs_free(struct inputs *in)
{
    zones_free(in->zones);
    config_free(in->config);
    in->zones = NULL;
    in->config = NULL;
}
