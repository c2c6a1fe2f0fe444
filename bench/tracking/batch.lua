-- wrk script: POST /v1/batch with 100 track events per request, every messageId unique.
-- usage: BASIC_AUTH=$(printf "%s:" "$KEY" | base64 -w0) wrk -t2 -c32 -d20s -s batch.lua http://127.0.0.1:PORT
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/v1/batch"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BASIC_AUTH")
end

function request()
  local parts = {}
  for i = 1, 100 do
    counter = counter + 1
    parts[i] = string.format(
      '{"type":"track","event":"Page Scrolled","userId":"u%d","messageId":"w%d-%d-%d","properties":{"depth":%d,"path":"/pricing"},"context":{"campaign":{"source":"google","medium":"cpc"}}}',
      counter % 5000, tid, os.time(), counter, counter % 100)
  end
  return wrk.format(nil, nil, nil, '{"batch":[' .. table.concat(parts, ",") .. ']}')
end
