package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// table is one benchmark's result, printed as Markdown so that a run's
// output pastes into BENCHMARKS.md as it is.
type table struct {
	title string
	head  []string
	rows  [][]string
	notes []string
}

func newTable(title string, head ...string) *table { return &table{title: title, head: head} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *table) print(w io.Writer) {
	fmt.Fprintf(w, "\n### %s\n\n", t.title)
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.head, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(t.head)))
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range t.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
}

// percentile is the nearest-rank percentile p (0–100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Failed, skipped or unreadable measurements are zero (an empty
// percentile, a process gone before its memory was read) or not finite (a
// division by such a zero): the helpers below print them as "–", never as
// 0.0 ms, 0.0 MiB, +Inf or NaN, which read as results.

// finite reports whether v is a number to print: not NaN, not ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ms prints a duration in milliseconds, with one decimal below 100 ms;
// "–" for none.
func ms(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	v := float64(d) / float64(time.Millisecond)
	if v < 100 {
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// ratio prints a/b, "–" when either is zero (not measured) or not finite.
func ratio(a, b float64) string {
	if a <= 0 || b <= 0 || !finite(a) || !finite(b) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// pct prints a/b as a percentage, "–" when b is zero or either is not
// finite. a = 0 prints 0.0 %: a rate that was measured as zero.
func pct(a, b float64) string {
	if b == 0 || !finite(a) || !finite(b) || !finite(a/b) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*a/b)
}

// num prints a positive quantity with prec decimals, "–" for zero (not
// measured), a negative or a non-finite one.
func num(v float64, prec int) string {
	if v <= 0 || !finite(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// mib prints kilobytes as MiB, "–" for none (not measured).
func mib(kb int) string {
	if kb <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}

// bytesMiB prints a byte count as MiB, "–" for none.
func bytesMiB(b int) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20))
}
