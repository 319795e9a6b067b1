-- wrk script: readers going round the paths in BENCH_PATHS (space-separated), each thread from another start.
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
   table.insert(paths, path)
end
local threads = 0
local next_index = 1

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

function init(args)
   next_index = ((id or 0) % #paths) + 1
end

function request()
   local path = paths[next_index]
   next_index = (next_index % #paths) + 1
   return wrk.format(nil, path)
end
