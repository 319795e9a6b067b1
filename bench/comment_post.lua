-- wrk script: form-encoded comment POSTs, each with a body no other request sent, from an address of its own.
-- The URL's path is the post's /comment/ target; BENCH_NONCE keeps runs apart.
local threads = 0
local counter = 0
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function request()
   counter = counter + 1
   local body = string.format(
      "author_name=Bench+Commenter&author_email=bench%%40example.com&author_url=&homepage="
         .. "&body=Benchmark+comment+%s+thread+%d+number+%d.",
      nonce, id or 0, counter)
   -- Each comment names its own client address (gunicorn trusts 127.0.0.1's X-Forwarded-For in the
   -- benchmark), so the per-address rate limit keeps its production value. Only a header: the
   -- addresses come from 198.18.0.0/15, the range set aside for benchmarks, and nothing is sent there.
   local address = string.format("198.%d.%d.%d", 18 + (id or 0) % 2, math.floor(counter / 256) % 256, counter % 256)
   -- wrk.format() uses the table given instead of wrk.headers (-H, Content-Type): copy them.
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   headers["X-Forwarded-For"] = address
   return wrk.format(nil, nil, headers, body)
end
