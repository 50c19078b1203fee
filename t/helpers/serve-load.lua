-- serve-load.lua - wrk script: POST /requirements with an API key.
--
-- Every request carries a document of its own (so each makes a feature of
-- its own). Each thread counts the answers by status; done() prints the
-- totals, the rate and the 99th percentile latency. With LOG_DIR set, the
-- event id of every 202 is appended to LOG_DIR/ids.N as soon as it comes,
-- so that a test can check each answered event after killing the server.
--
--   SERVE_KEY=KEY [LOG_DIR=DIR] wrk -s serve-load.lua http://127.0.0.1:PORT

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
	table.insert(threads, thread)
end

function init(args)
	key = os.getenv("SERVE_KEY")
	n, accepted, other = 0, 0, 0
	local dir = os.getenv("LOG_DIR")
	if dir then
		log = io.open(dir .. "/ids." .. tid, "a")
	end
end

function request()
	n = n + 1
	local body = string.format('{"title":"Load %d-%d","text":"As a user I want item %d-%d ' ..
		'recorded so that nothing is lost."}', tid, n, tid, n)
	return wrk.format("POST", "/requirements", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. key,
	}, body)
end

function response(status, headers, body)
	if status == 202 then
		accepted = accepted + 1
		if log then
			log:write(body:match('"event":"([^"]+)"') or "?", "\n")
			log:flush()
		end
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local a, o = 0, 0
	for _, t in ipairs(threads) do
		a = a + t:get("accepted")
		o = o + t:get("other")
	end
	io.write(string.format("accepted %d\nother %d\nerrors %d\nrps %.1f\np50_us %d\np99_us %d\n",
		a, o, summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout, summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99)))
end
