// promql-check holds a Grafana dashboard and Prometheus rule files to the metrics an application really
// exports: every metric a query selects, and every label it matches on, groups by or joins on, must appear
// in a Prometheus text exposition (the engine's own output, captured by a test). It uses Prometheus's own
// parsers: promql/parser for queries, model/rulefmt for rule files and common/expfmt for the exposition.
//
//	promql-check -metrics engine.prom [-dashboard d.json]... [-rules r.yml]... [-known name:label,label]...
//
// -known names series that come from elsewhere: recording rules an operator adds, or metrics a later
// release exports. Exit status: 0 when every name exists, 1 with one line per problem, 2 on bad input.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// Labels Prometheus itself adds to every scraped series.
var targetLabels = map[string]bool{"job": true, "instance": true}

// Grafana's variables: $__rate_interval and friends become a duration, any other $var or ${var} a regex.
var (
	grafanaInterval = regexp.MustCompile(`\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}`)
	grafanaVariable = regexp.MustCompile(`\$\{[A-Za-z0-9_:]+\}|\$[A-Za-z_][A-Za-z0-9_]*`)
	labelValues     = regexp.MustCompile(`^\s*label_values\(\s*(.*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)
)

type query struct{ where, expr string }

func main() {
	var dashboards, rules, known list
	metricsFile := flag.String("metrics", "", "Prometheus text exposition to check against")
	flag.Var(&dashboards, "dashboard", "Grafana dashboard JSON (repeatable)")
	flag.Var(&rules, "rules", "Prometheus rule file (repeatable)")
	flag.Var(&known, "known", "name:label,label of a series exported elsewhere (repeatable)")
	flag.Parse()
	if *metricsFile == "" {
		fail("-metrics is required")
	}
	series := exposition(*metricsFile)
	for _, k := range known {
		i := strings.LastIndex(k, ":") // recording rule names contain colons themselves
		if i < 0 {
			fail("-known needs name:labels, was " + k)
		}
		name, labels := k[:i], k[i+1:]
		series[name] = map[string]bool{}
		for _, l := range strings.Split(labels, ",") {
			if l != "" {
				series[name][l] = true
			}
		}
	}
	var queries []query
	for _, f := range rules {
		queries = append(queries, ruleQueries(f, series)...)
	}
	for _, f := range dashboards {
		queries = append(queries, dashboardQueries(f)...)
	}
	p := parser.NewParser(parser.Options{})
	var problems []string
	for _, q := range queries {
		problems = append(problems, check(p, q, series)...)
	}
	sort.Strings(problems)
	for _, pr := range problems {
		fmt.Println(pr)
	}
	fmt.Fprintf(os.Stderr, "promql-check: %d queries, %d metrics known, %d problems\n", len(queries), len(series), len(problems))
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// exposition maps each sample name (histograms: _bucket, _sum, _count) to its label names.
func exposition(file string) map[string]map[string]bool {
	f, err := os.Open(file)
	if err != nil {
		fail(err.Error())
	}
	defer f.Close()
	tp := expfmt.NewTextParser(model.UTF8Validation)
	families, err := tp.TextToMetricFamilies(f)
	if err != nil {
		fail(file + ": " + err.Error())
	}
	out := map[string]map[string]bool{}
	add := func(name string, labels map[string]bool) {
		if out[name] == nil {
			out[name] = map[string]bool{}
		}
		for l := range labels {
			out[name][l] = true
		}
	}
	for name, mf := range families {
		labels := map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = true
			}
		}
		switch mf.GetType().String() {
		case "HISTOGRAM":
			add(name+"_bucket", merge(labels, "le"))
			add(name+"_sum", labels)
			add(name+"_count", labels)
		case "SUMMARY":
			add(name, merge(labels, "quantile"))
			add(name+"_sum", labels)
			add(name+"_count", labels)
		default:
			add(name, labels)
		}
	}
	return out
}

func merge(labels map[string]bool, extra string) map[string]bool {
	out := map[string]bool{extra: true}
	for l := range labels {
		out[l] = true
	}
	return out
}

// ruleQueries parses a rule file the way Prometheus does; recording rules become known series.
func ruleQueries(file string, series map[string]map[string]bool) []query {
	groups, errs := rulefmt.ParseFile(file, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.Default())
	if len(errs) > 0 {
		fail(fmt.Sprint(errs))
	}
	var out []query
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			name := r.Alert
			if r.Record != "" {
				name = r.Record
				series[r.Record] = map[string]bool{}
				for l := range r.Labels {
					series[r.Record][l] = true
				}
			}
			out = append(out, query{file + ": " + name, r.Expr})
		}
	}
	return out
}

// dashboardQueries finds every target "expr" and templating "query" in a dashboard, at any depth.
func dashboardQueries(file string) []query {
	b, err := os.ReadFile(file)
	if err != nil {
		fail(err.Error())
	}
	var root any
	if err := json.Unmarshal(b, &root); err != nil {
		fail(file + ": " + err.Error())
	}
	var out []query
	var walk func(v any, where string)
	walk = func(v any, where string) {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["title"].(string); ok {
				where = file + ": " + t
			}
			if n, ok := x["name"].(string); ok && x["type"] == "query" {
				where = file + ": variable " + n
				switch q := x["query"].(type) {
				case string:
					out = append(out, query{where, q})
				case map[string]any:
					if s, ok := q["query"].(string); ok {
						out = append(out, query{where, s})
					}
				}
			}
			if e, ok := x["expr"].(string); ok {
				out = append(out, query{where, e})
			}
			for k, c := range x {
				if k != "query" {
					walk(c, where)
				}
			}
		case []any:
			for _, c := range x {
				walk(c, where)
			}
		}
	}
	walk(root, file)
	return out
}

func check(p parser.Parser, q query, series map[string]map[string]bool) []string {
	expr := q.expr
	var extraLabel string
	if m := labelValues.FindStringSubmatch(expr); m != nil {
		expr, extraLabel = m[1], m[2]
	}
	expr = grafanaInterval.ReplaceAllString(expr, "5m")
	expr = grafanaVariable.ReplaceAllString(expr, ".*")
	node, err := p.ParseExpr(expr)
	if err != nil {
		return []string{fmt.Sprintf("%s: does not parse: %v", q.where, err)}
	}
	var problems []string
	used := map[string]bool{}
	introduced := map[string]bool{}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		switch x := n.(type) {
		case *parser.VectorSelector:
			name := x.Name
			for _, m := range x.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					name = m.Value
				}
			}
			labels, ok := series[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: metric %q is not exported", q.where, name))
				return nil
			}
			used[name] = true
			for _, m := range x.LabelMatchers {
				if m.Name != model.MetricNameLabel && !labels[m.Name] && !targetLabels[m.Name] {
					problems = append(problems, fmt.Sprintf("%s: metric %q has no label %q", q.where, name, m.Name))
				}
			}
		case *parser.Call:
			if x.Func.Name == "label_replace" && len(x.Args) > 1 {
				if s, ok := x.Args[1].(*parser.StringLiteral); ok {
					introduced[s.Val] = true
				}
			}
		}
		return nil
	})
	var grouping []string
	if extraLabel != "" {
		grouping = append(grouping, extraLabel)
	}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		switch x := n.(type) {
		case *parser.AggregateExpr:
			grouping = append(grouping, x.Grouping...)
		case *parser.BinaryExpr:
			if x.VectorMatching != nil {
				grouping = append(grouping, x.VectorMatching.MatchingLabels...)
				grouping = append(grouping, x.VectorMatching.Include...)
			}
		}
		return nil
	})
	for _, l := range grouping {
		if targetLabels[l] || introduced[l] || l == "le" && anyHas(used, series, "le") {
			continue
		}
		if !anyHas(used, series, l) {
			problems = append(problems, fmt.Sprintf("%s: label %q is on none of the metrics the query uses", q.where, l))
		}
	}
	return problems
}

func anyHas(used map[string]bool, series map[string]map[string]bool, label string) bool {
	for name := range used {
		if series[name][label] {
			return true
		}
	}
	return false
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "promql-check: "+msg)
	os.Exit(2)
}
