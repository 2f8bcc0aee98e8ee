-- wrk script: every request wrk sends is a batch of DEPTH pipelined GETs on one connection
-- (wrk counts each response of the batch). Paths cycle through the catalogue's test files.
local depth = 16
local paths = { "/edge/4097.bin", "/edge/16385.bin", "/hls/master.m3u8", "/edge/1.bin" }

init = function(args)
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format("GET", paths[(i - 1) % #paths + 1])
   end
   batch = table.concat(requests)
end

request = function()
   return batch
end
