package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"villi/library"
	"villi/taxonomy"
)

// multi is a repeatable string flag; commas also separate values.
type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

func runSearch(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("search"))
	var (
		req                                   library.Request
		conds, mechs, evid, species, journals multi
		asJSON, noRetracted, facets           bool
		cursor                                string
		langs, types, ages                    multi
	)
	fs.Var(&conds, "condition", "condition slug, repeatable (hashimoto, celiac, ibd, ...)")
	fs.Var(&mechs, "mechanism", "mechanism slug, repeatable (remove, repair, rebalance, ...)")
	fs.Var(&evid, "evidence", "evidence level, repeatable (meta-analysis, rct, ...)")
	fs.Var(&species, "species", "species, repeatable (human, animal, both, unknown)")
	fs.Var(&journals, "journal", "journal, repeatable")
	fs.Var(&langs, "language", "language code, repeatable (eng, ger, fre, ...)")
	fs.Var(&types, "article-type", "article type, repeatable ("+strings.Join(taxonomy.ArticleTypeValues(), ", ")+")")
	fs.Var(&ages, "age", "MeSH age group, repeatable ("+strings.Join(taxonomy.AgeGroupValues(), ", ")+")")
	fs.BoolVar(&req.FreeFullText, "free-full-text", false, "only records free to read at PMC")
	fs.BoolVar(&req.OnlyRetracted, "only-retracted", false, "only retracted records")
	fs.IntVar(&req.From, "from", 0, "first publication year")
	fs.IntVar(&req.To, "to", 0, "last publication year")
	fs.StringVar(&req.Sort, "sort", "relevance", "relevance, date or evidence")
	fs.IntVar(&req.Page, "page", 1, "page number")
	fs.IntVar(&req.Size, "size", 20, "hits per page (1-100)")
	fs.StringVar(&cursor, "after", "", "cursor from a previous --json result's \"next\" (deep paging)")
	fs.BoolVar(&noRetracted, "exclude-retracted", false, "leave retracted records out")
	fs.BoolVar(&facets, "facets", false, "print facet counts")
	fs.BoolVar(&asJSON, "json", false, "print JSON (the /api/v1/search shape)")
	fs.BoolVar(&req.NoCorrect, "nocorrect", false, "search the query as typed, without spelling correction")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	req.Q = strings.Join(rest, " ")
	req.Conditions, req.Mechanisms, req.Evidence, req.Species, req.Journals = conds, mechs, evid, species, journals
	req.ExcludeRetracted = noRetracted
	req.Languages, req.ArticleTypes, req.AgeGroups = langs, types, ages
	if err := knownValues(types, "article type", taxonomy.ArticleTypeValues()); err != nil {
		return err
	}
	if err := knownValues(ages, "age group", taxonomy.AgeGroupValues()); err != nil {
		return err
	}
	req.Facets = facets || asJSON
	if req.After, err = library.DecodeCursor(cursor); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if req.Q == "" && len(conds)+len(mechs)+len(evid)+len(species)+len(journals)+len(langs)+len(types)+len(ages) == 0 &&
		req.From == 0 && req.To == 0 && !req.FreeFullText && !req.OnlyRetracted {
		return fmt.Errorf("%w: give a query, a filter, or both", errUsage)
	}

	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	res, err := lib.Search(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printResults(e.Stdout, res, facets)
	return nil
}

func printResults(w io.Writer, res *library.SearchResult, facets bool) {
	printCorrection(w, res)
	fmt.Fprintf(w, "%d results (searched as: %s) in %.1f ms\n", res.Total, res.SearchedAs, res.TookMS)
	for _, h := range res.Hits {
		flag := ""
		if h.Retracted {
			flag = " [RETRACTED]"
		}
		fmt.Fprintf(w, "%-9d %4d  %-17s %s%s\n", h.PMID, h.Year, h.Evidence, clip(h.Title, 90), flag)
	}
	if facets {
		for _, name := range library.FacetNames() {
			fc := res.Facets[name]
			if len(fc) == 0 {
				continue
			}
			parts := make([]string, len(fc))
			for i, f := range fc {
				parts[i] = fmt.Sprintf("%s %d", f.Value, f.Count)
			}
			fmt.Fprintf(w, "%s: %s\n", name, strings.Join(parts, ", "))
		}
	}
}

// knownValues refuses a value not in valid, naming it and the valid ones.
func knownValues(vals []string, what string, valid []string) error {
	for _, v := range vals {
		if !slices.Contains(valid, v) {
			return fmt.Errorf("%w: unknown %s %q: use one of %s", errUsage, what, v, strings.Join(valid, ", "))
		}
	}
	return nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
