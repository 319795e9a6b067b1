-- wrk script: form-encoded comment POSTs, each with a body no other request sent.
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
   return wrk.format(nil, nil, nil, body)
end
