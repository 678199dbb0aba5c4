-- wrk script: every request is a POST of a 1 MiB body (1,048,576 times 'x'), which the
-- servers of the "echo" scenario send back. Also prints report.lua's RESULT line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
