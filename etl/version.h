#ifndef ETL_VERSION_H
#define ETL_VERSION_H
#define PERMIT_ETL_VERSION "0.1.0"
#endif
