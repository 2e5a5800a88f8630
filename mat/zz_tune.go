package mat

var tuneDirect = func(m int) bool { return false }
