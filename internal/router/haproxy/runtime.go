package haproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// MaxRequestSize bounds what one connection to the runtime API carries. HAProxy refuses a command
// (with its payload) larger than tune.bufsize (16384 by default); 16000 leaves room for the rest.
const MaxRequestSize = 16000

// severityOutput makes every message carry its syslog severity ("[3]: No such server."), so that
// errors ([0]..[3]) can be told from notices. It answers with an empty output.
const severityOutput = "set severity-output number"

// CommandError is a runtime API command that HAProxy refused.
type CommandError struct {
	Command string // the command line, without its payload
	Output  string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("haproxy runtime API: %q: %s", e.Command, firstLine(e.Output))
}

// errorTexts are answers that mean failure although HAProxy gives them a notice or warning severity
// (or none): "Unknown command" comes with [6], a bad `set server addr` with [4] "Invalid addr".
var errorTexts = []string{
	"Unknown command", "No such ", "Can't ", "Cannot ", "Invalid ", "Missing ", "Unknown map",
	"problem converting", "Update for the current server address family", "Update to families",
}

var severityPrefix = regexp.MustCompile(`^\[(\d)\]: `)

// Exec runs runtime API commands on the worker's stats socket and returns one output per command,
// without the severity prefix. A command may carry a payload after its first newline; its first line
// must then end with "<<" (e.g. "add map @1 /x.map <<\nk1 v1\nk2 v2"), and the payload must not hold a
// blank line (it would end the payload and run the rest as commands). Plain commands are sent
// several per connection, joined with ';' (Exec escapes ';' and '\' inside each command); a payload
// command ends its connection. Exec stops after the first connection with a failed command and returns
// the outputs so far with a *CommandError.
func (s *Supervisor) Exec(ctx context.Context, cmds ...string) ([]string, error) {
	batches, err := batch(cmds)
	if err != nil {
		return nil, err
	}
	var outs []string
	for _, b := range batches {
		got, err := s.execBatch(ctx, b)
		outs = append(outs, got...)
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// request is the commands sent on one connection.
type request struct {
	wire  strings.Builder
	heads []string // command lines, for error messages
}

// batch groups commands into requests below MaxRequestSize; a payload command closes its request
// because HAProxy ends a non-interactive session after a payload.
func batch(cmds []string) ([]*request, error) {
	var reqs []*request
	var cur *request
	for _, c := range cmds {
		head, wire, payload, err := encode(c)
		if err != nil {
			return nil, err
		}
		if len(severityOutput)+1+len(wire)+1 > MaxRequestSize {
			return nil, fmt.Errorf("haproxy runtime API: command %q is %d bytes, more than %d", head, len(wire), MaxRequestSize)
		}
		if cur == nil || cur.wire.Len()+1+len(wire)+1 > MaxRequestSize {
			cur = &request{}
			cur.wire.WriteString(severityOutput)
			reqs = append(reqs, cur)
		}
		cur.wire.WriteString(";")
		cur.wire.WriteString(wire)
		cur.heads = append(cur.heads, head)
		if payload {
			cur = nil
		}
	}
	for _, r := range reqs {
		if !strings.HasSuffix(r.wire.String(), "\n") {
			r.wire.WriteString("\n")
		}
	}
	return reqs, nil
}

var cliEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`)

// encode escapes a command line and terminates its payload, if any, with the empty line that ends it.
func encode(cmd string) (head, wire string, payload bool, err error) {
	head, body, payload := strings.Cut(cmd, "\n")
	head = strings.TrimSpace(head)
	if head == "" {
		return "", "", false, errors.New("haproxy runtime API: empty command")
	}
	if !payload {
		return head, cliEscaper.Replace(head), false, nil
	}
	if !strings.HasSuffix(head, " <<") {
		return "", "", false, fmt.Errorf("haproxy runtime API: %q has a payload but does not end with \" <<\"", head)
	}
	body = strings.TrimRight(body, "\n")
	if strings.Contains(body, "\n\n") || strings.HasPrefix(body, "\n") || strings.ContainsRune(body, '\r') {
		return "", "", false, fmt.Errorf("haproxy runtime API: the payload of %q contains a blank line", head)
	}
	if body != "" {
		body += "\n"
	}
	return head, cliEscaper.Replace(head) + "\n" + body + "\n", true, nil
}

// execBatch sends one request and splits the answer: HAProxy ends each command's output with an empty
// line and guarantees that no output contains one.
func (s *Supervisor) execBatch(ctx context.Context, r *request) ([]string, error) {
	raw, err := roundTrip(ctx, s.statsSock, r.wire.String())
	outs := splitOutputs(raw)
	if len(outs) > 0 {
		outs = outs[1:] // the answer to severityOutput
	}
	if len(outs) > len(r.heads) {
		outs = outs[:len(r.heads)]
	}
	var errs []error
	for i, out := range outs {
		clean, failed := parseOutput(out)
		outs[i] = clean
		if failed {
			errs = append(errs, &CommandError{Command: r.heads[i], Output: out})
		}
	}
	if len(outs) < len(r.heads) {
		cause := err
		if cause == nil {
			cause = errors.New("connection closed before its answer")
		}
		errs = append(errs, fmt.Errorf("haproxy runtime API: %q: %w", r.heads[len(outs)], cause))
	}
	return outs, errors.Join(errs...)
}

func splitOutputs(raw string) []string {
	lines := strings.Split(raw, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // what follows the final newline is not a line
	}
	var outs, cur []string
	for _, l := range lines {
		if l == "" {
			outs = append(outs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 { // an answer cut short: keep it, it may explain the failure
		outs = append(outs, strings.Join(cur, "\n"))
	}
	return outs
}

// parseOutput strips severity prefixes and tells whether the output reports a failure.
func parseOutput(out string) (string, bool) {
	lines := strings.Split(out, "\n")
	failed := false
	for i, l := range lines {
		m := severityPrefix.FindStringSubmatch(l)
		if m == nil && i > 0 {
			continue // a continuation line of a listing, not a message
		}
		if m != nil {
			failed = failed || m[1] <= "3"
			l = l[len(m[0]):]
			lines[i] = l
		}
		for _, t := range errorTexts {
			failed = failed || strings.HasPrefix(l, t)
		}
	}
	return strings.Join(lines, "\n"), failed
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// SetServer points a pre-allocated server slot at addr:port with weight, and enables (ready) or
// disables (maint) it, in one round trip. An empty addr keeps the address.
func (s *Supervisor) SetServer(ctx context.Context, backend, server string, addr string, port int, weight int, ready bool) error {
	cmds, err := ServerCommands(backend, server, addr, port, weight, ready)
	if err != nil {
		return err
	}
	_, err = s.Exec(ctx, cmds...)
	return err
}

// ServerCommands are the runtime API commands that SetServer sends, for callers that send the
// commands of many servers together (Exec batches them); a negative weight keeps the server's. When
// disabling, maint comes first so that no request is sent to a half-updated server; when enabling,
// it comes last.
func ServerCommands(backend, server string, addr string, port int, weight int, ready bool) ([]string, error) {
	target := backend + "/" + server
	var cmds []string
	if !ready {
		cmds = append(cmds, "set server "+target+" state maint")
	}
	if addr != "" {
		ip, err := serverAddr("set server", target, addr, port)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, fmt.Sprintf("set server %s addr %s port %d", target, ip, port))
	}
	if weight > maxWeight {
		return nil, weightError("set server", target, weight)
	}
	if weight >= 0 {
		cmds = append(cmds, "set server "+target+" weight "+strconv.Itoa(weight))
	}
	if ready {
		cmds = append(cmds, "set server "+target+" state ready")
	}
	return cmds, nil
}

// HealthCommands turn the health checks of a server configured with them on
// or off. Turning them off makes HAProxy ignore the last check from then
// on, but a server a check took down (one may be under way, and a new
// worker checks its first servers at once) would stay down: it is set up.
func HealthCommands(backend, server string, on bool) []string {
	target := backend + "/" + server
	if on {
		return []string{"enable health " + target}
	}
	return []string{"disable health " + target, "set server " + target + " health up"}
}

// AddServerCommands are the runtime API commands that add a server to a backend (HAProxy's
// dynamic servers) with options, the backend's server options (a default-server line does not
// apply to added servers), and, when ready, put it in service: an added server starts in
// maintenance, with its health check off even when its options configure one (HealthCommands
// turns it on).
func AddServerCommands(backend, server, addr string, port, weight int, options string, ready bool) ([]string, error) {
	target := backend + "/" + server
	ip, err := serverAddr("add server", target, addr, port)
	if err != nil {
		return nil, err
	}
	if weight < 0 || weight > maxWeight {
		return nil, weightError("add server", target, weight)
	}
	if !serverOptionsGrammar.MatchString(options) {
		return nil, fmt.Errorf("add server %s: options %q outside the server-option grammar", target, options)
	}
	add := fmt.Sprintf("add server %s %s weight %d", target, net.JoinHostPort(ip.String(), strconv.Itoa(port)), weight)
	if options != "" {
		add += " " + options
	}
	if ready {
		return []string{add, "enable server " + target}, nil
	}
	return []string{add}, nil
}

// serverOptionsGrammar is what server options are made of (keywords, numbers, durations, paths,
// host names, "str(...)", ALPN lists): nothing that ends a command or starts a payload.
var serverOptionsGrammar = regexp.MustCompile(`^[A-Za-z0-9 ._:/@(),+=-]*$`)

// maxWeight is the largest server weight HAProxy takes.
const maxWeight = 256

// serverAddr checks a server's address and port before they go into a runtime API command.
func serverAddr(verb, target, addr string, port int) (netip.Addr, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil || port < 1 || port > 65535 {
		return netip.Addr{}, fmt.Errorf("%s %s: invalid address %q port %d", verb, target, addr, port)
	}
	return ip.Unmap(), nil
}

func weightError(verb, target string, weight int) error {
	return fmt.Errorf("%s %s: weight %d out of 0..%d", verb, target, weight, maxWeight)
}

var newVersion = regexp.MustCompile(`New version created: (\d+)`)

// MapContent is the whole new content of one loaded map; Path is the
// map's path exactly as HAProxy loaded it.
type MapContent struct {
	Path    string
	Entries [][2]string
}

// ReplaceMaps replaces the content of loaded maps: `prepare map` allocates
// a version of each, `add map @ver` fills it with as many payload chunks as
// needed, and `commit map @ver` swaps it in. Each map's lookups see either
// its old or its new content, never a mix. The commits go last, together,
// in one request: a route's keys in several maps (exact and prefix paths,
// say) change within microseconds of each other rather than round trips
// apart, and if anything fails before them no map changes. Keys may not
// contain white space; neither keys nor values may contain a newline.
func (s *Supervisor) ReplaceMaps(ctx context.Context, maps ...MapContent) error {
	chunks := make([][]string, len(maps))
	prepares := make([]string, len(maps))
	for i, m := range maps {
		c, err := mapChunks(m.Path, m.Entries)
		if err != nil {
			return err
		}
		chunks[i], prepares[i] = c, "prepare map "+m.Path
	}
	outs, err := s.Exec(ctx, prepares...)
	vers := make([]string, len(maps))
	for i, out := range outs {
		if m := newVersion.FindStringSubmatch(out); m != nil {
			vers[i] = m[1]
		} else if err == nil {
			err = fmt.Errorf("prepare map %s: unexpected answer %q", maps[i].Path, out)
		}
	}
	if err == nil && len(outs) != len(maps) {
		err = fmt.Errorf("prepare map: %d answers for %d maps", len(outs), len(maps))
	}
	var commits []string
	if err == nil {
		commits, err = s.fill(ctx, maps, chunks, vers)
	}
	if err != nil {
		// Free the entries of abandoned versions; unused versions are harmless otherwise.
		// Never after a commit: a committed version is the live map.
		var clears []string
		for i, v := range vers {
			if v != "" {
				clears = append(clears, "clear map @"+v+" "+maps[i].Path)
			}
		}
		_, _ = s.Exec(context.WithoutCancel(ctx), clears...)
		return err
	}
	_, err = s.Exec(ctx, commits...)
	return err
}

// fill adds each map's chunks to its prepared version and gives the
// commands that commit them, checked to fit one request.
func (s *Supervisor) fill(ctx context.Context, maps []MapContent, chunks [][]string, vers []string) ([]string, error) {
	var adds, commits []string
	for i, m := range maps {
		for _, c := range chunks[i] {
			adds = append(adds, "add map @"+vers[i]+" "+m.Path+" <<\n"+c)
		}
		commits = append(commits, "commit map @"+vers[i]+" "+m.Path)
	}
	if reqs, err := batch(commits); err != nil || len(reqs) > 1 {
		return nil, fmt.Errorf("haproxy runtime API: %d map commits do not fit one request (%v)", len(commits), err)
	}
	_, err := s.Exec(ctx, adds...)
	return commits, err
}

// mapChunks renders entries as payload lines, cut so that each `add map` request stays below
// MaxRequestSize.
func mapChunks(mapPath string, entries [][2]string) ([]string, error) {
	overhead := len(severityOutput) + len(";add map @4294967295  <<\n\n\n") + len(mapPath)
	var chunks []string
	var cur strings.Builder
	for _, e := range entries {
		if e[0] == "" || strings.ContainsAny(e[0], " \t\r\n") || strings.ContainsAny(e[1], "\r\n") {
			return nil, fmt.Errorf("map %s: invalid entry %q", mapPath, e)
		}
		line := e[0] + " " + e[1] + "\n"
		if overhead+len(line) > MaxRequestSize {
			return nil, fmt.Errorf("map %s: entry for %q too long", mapPath, e[0])
		}
		if overhead+cur.Len()+len(line) > MaxRequestSize {
			chunks = append(chunks, cur.String())
			cur.Reset()
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		chunks = append(chunks, cur.String())
	}
	return chunks, nil
}
