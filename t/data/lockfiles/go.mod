module example.com/shop/api

go 1.21

require github.com/gorilla/mux v1.8.0

require (
	example.com/x/text v0.3.7 // indirect
	github.com/old/logger v1.0.0
	github.com/pinned/thing v1.2.0
	"github.com/quoted/mod" v0.0.0-20191109021931-daa7c04131f5
	github.com/local/fork v0.1.0 // indirect
)

exclude example.com/x/text v0.3.6

replace github.com/old/logger => github.com/new/logger v1.1.0

replace (
	github.com/pinned/thing v1.2.0 => github.com/pinned/thing v1.2.1
	github.com/pinned/thing v1.0.0 => github.com/other/thing v9.9.9
	github.com/local/fork => ../fork
)

retract v0.9.0
