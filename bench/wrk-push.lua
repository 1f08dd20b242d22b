-- wrk -s bench/wrk-push.lua URL — POSTs OPSCOM push bodies (docs/OPSCOM-API.md)
-- to /api/OC-TOMA/v1/permits/push with the required headers. The token comes
-- from OPSCOM_API_TOKEN (never from argv). Each request has its own plate
-- and permitNo so the server stores distinct permits.
local token = os.getenv("OPSCOM_API_TOKEN") or "bench-token"
local n = 0
local tid = tostring(math.random(100000, 999999))

wrk.method = "POST"
wrk.path = "/api/OC-TOMA/v1/permits/push"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

request = function()
  n = n + 1
  local body = string.format(
    '{"apiToken":"%s","LicencePlate":"B%s%d","Amount":"2.50","CurrencyID":"CAD",' ..
    '"zone":"Lot 4","permitNo":"W%s-%d","startTime":"2026-01-05T09:00:00",' ..
    '"endTime":"2026-01-05T10:00:00"}', token, tid, n % 1000000, tid, n)
  return wrk.format(nil, nil, nil, body)
end
