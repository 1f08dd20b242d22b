-- bench/load-push.lua — wrk script: POST valid OPSCOM push bodies, each with a
-- unique permitNo, to measure the sandbox's own capacity (bench/run.sh):
--   OPSCOM_API_TOKEN=T wrk -t2 -c8 -d5s -s bench/load-push.lua \
--     http://127.0.0.1:PORT/api/OC-TOMA/v1/permits/push
-- The body has the size and keys of what `permit-etl push` sends.
local token = os.getenv("OPSCOM_API_TOKEN") or "bench-token"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

request = function()
  counter = counter + 1
  local body = string.format(
    '{"LicencePlate":"BNCH%03d","Amount":"14.50","CurrencyID":"CAD",' ..
    '"startTime":"2026-11-28T14:00:00","endTime":"2026-11-28T15:00:00",' ..
    '"zone":"Lot 04","permitNo":"wrk-%d-%d","TicketNumber":"%d","apiToken":"%s"}',
    counter % 1000, tid or 0, counter, 4000000 + counter, token)
  return wrk.format("POST", nil, headers, body)
end
