package render

import (
	"strconv"
	"strings"
)

// Quote returns s as one HAProxy configuration word in double quotes, with
// every byte that the configuration parser could interpret — quotes,
// backslash, '$' (environment expansion), '#', whitespace, control and
// non-ASCII bytes — written as a \xNN escape. Whatever s holds, it stays one
// argument on one line: it cannot end the word, the line or the directive.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteString(`\x`)
		if c < 0x10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatUint(uint64(c), 16))
	}
	b.WriteByte('"')
	return b.String()
}

func plain(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-_.,/:;=+%[](){}!@^~|?&<>*", c) >= 0
}
