-- wrk -s bench/wrk-stats.lua URL — POSTs OPSCOM stats requests with a zones
-- filter to /api/OC-TOMA/v1/permits/stats. Token from OPSCOM_API_TOKEN.
local token = os.getenv("OPSCOM_API_TOKEN") or "bench-token"

wrk.method = "POST"
wrk.path = "/api/OC-TOMA/v1/permits/stats"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = string.format('{"apiToken":"%s","zones":"Lot 4,Lot 5"}', token)
