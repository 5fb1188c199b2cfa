-- Send each request with the next logged-in user's session cookie, cycling through the
-- file given after `--` (one Cookie header value a line, written by bench/logged_in.py),
-- so the server looks up a different session and user on consecutive requests. The
-- requests are formatted once, in init; report.lua's done() prints the summary as JSON.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "report.lua")

local requests = {}
local next_index = 0

init = function(args)
  for cookie in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format(nil, nil, { ["Cookie"] = cookie })
  end
  if #requests == 0 then
    error("no cookies in " .. tostring(args[1]))
  end
end

request = function()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
