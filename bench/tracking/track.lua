-- wrk script: POST /v1/track, one event per request, every messageId unique.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/v1/track"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BASIC_AUTH")
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"event":"Page Scrolled","userId":"u%d","messageId":"s%d-%d-%d","properties":{"depth":%d}}',
    counter % 5000, tid, os.time(), counter, counter % 100))
end
