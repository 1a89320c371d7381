// Fuzz finding: a double literal past f64::MAX parses as an infinity, which the
// printer wrote as `inf.0` (not IDL). Fixed in print.rs: infinities print as 1e999.
const double TOO_BIG = 1.7e3080
const list<double> BOTH = [-1e999, 1e400, 0.0]
