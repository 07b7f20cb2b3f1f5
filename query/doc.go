// Package query owns villi's PubMed-style query language: it parses what a
// practitioner types into the PubMed search box into a syntax tree, shows it
// back canonically ("searched as", with synonym expansion visible) and builds
// the equivalent bleve query over the index fields of the shared field
// contract (title, abstract, mesh, au, year, ...).
//
// It must not do I/O or touch an index: the index package calls it with user
// text and runs the bleve query it returns. User text never reaches bleve's
// own query-string syntax, which has no AND/OR/NOT or parentheses.
//
// # Language
//
//	zonulin AND hashimoto*                   words, trailing wildcard (3+ letters)
//	"intestinal permeability" OR leaky gut    quoted phrases
//	gluten NOT (mice OR rats)                 NOT is binary: "a NOT b"; "a AND NOT b" is the same
//	fasano a[au] 2015:2025[dp]                field tags
//
// Operators are the uppercase words AND, OR and NOT; lowercase "and", "or"
// and "not" are ordinary (and, being stop words, ignored) words.
//
// Precedence follows PubMed: AND, OR and NOT have equal precedence and are
// applied left to right, so "a OR b AND c" means "(a OR b) AND c" and
// "a NOT b OR c" means "(a NOT b) OR c". Parentheses group as usual. One
// deliberate difference: adjacent words without an operator bind tighter
// than any operator, because a run of words names one concept (PubMed's
// automatic term mapping treats it as a phrase). So "zonulin OR intestinal
// barrier" means "zonulin OR (intestinal AND barrier)", not PubMed's literal
// "(zonulin OR intestinal) AND barrier", which surprises everyone who reads
// it. An implicit AND next to a parenthesised group is an ordinary AND in the
// left-to-right chain. String() always prints the grouping explicitly.
//
// A field tag applies to the run of unquoted words just before it, back to
// a wildcard or a phrase (as in PubMed: "fasano a[au]", "randomized
// controlled trial[pt]"), or to the one quoted phrase just before it. [dp]
// and [pmid] take one word, so "zonulin 2015[dp]" is zonulin AND 2015[dp].
// Multi-word text tags search the words as a phrase. Tags: [ti] [ab] [tiab]
// [au] [mh]/[mesh] [majr] [ot] [pt] [ta] [dp] [pmid]/[uid] [doi]/[aid]/[lid]
// [pmcid]/[pmc], plus PubMed's long names ([title], [author], ...). "fasano[au]" searches author tokens,
// "fasano a[au]" is a prefix of a "lastname initials" value, and the same
// words quoted, then [au], are that exact value.
//
// Untagged words search every text field with boosts (title ×3, majr ×3,
// mesh ×2, keywords ×1.5, conclusions ×1.2, abstract ×1) and expand through
// the curated synonym table in synonyms.txt; String() shows the expansion.
// A quoted phrase, like a tagged term, searches its words only, as in
// PubMed; in an OR, the quoted members of a group merge back into the group,
// which is how String() prints one. The index adds each group's concept term wherever a member
// occurs (AnalyzerName), so an expanded term searches one term per field. Stop words ("the", "of", a lone "a") are
// dropped, as the English analyzer drops them from the index. A query made
// only of bare numbers of 1–8 digits is a list of PMIDs ("123 456" is
// 123[pmid] OR 456[pmid]); elsewhere a number is text, shown quoted.
//
// Like PubMed's automatic term mapping, untagged terms are also tried as
// what they look like (termmap.go), and String() shows the choice:
//
//	ibd, Ibd, t1d          an acronym of the table in any case is its group, as IBD;
//	                       ms, ra, uc, cd stay words (milliseconds, ...): only MS expands
//	Fasano A, Fasano AB    a capitalised surname and 1–2 capital initials:
//	                       "Fasano A" OR Fasano A[au]
//	10.1038/x, doi:10.1038/x, https://doi.org/10.1038/x     10.1038/x[doi]
//	https://pubmed.ncbi.nlm.nih.gov/123/                    123[pmid]
//	PMC123, https://pmc.ncbi.nlm.nih.gov/articles/PMC123/   PMC123[pmcid]
//
// A query that is one identifier is read whole, so a DOI keeps its
// parentheses; a query of identifiers and numbers only is their OR.
//
// ParseMapped also takes what only the caller knows (Mapping): the
// taxonomy's names of its tags (Tags, built from taxonomy.Names) and the
// library's journals and author surnames (Library). An untagged run of words
// is then also searched, ORed with the words, as
//
//	inflammatory bowel disease   IBD OR "inflammatory bowel disease" OR ... OR condition:ibd
//	                             (a condition, mechanism or evidence level named by its
//	                             label, a heading, a term of the table or a synonym group)
//	crohn                        (crohn OR "crohn disease"): a part of a condition is no name
//	                             of it (taxonomy.Names leaves out the table's narrow lines)
//	ms relapsing                 (MS OR "multiple sclerosis" OR condition:multiple-sclerosis) AND relapsing
//	ms diet                      ms AND diet: an ambiguous abbreviation names its tag only
//	                             with the taxonomy's context words elsewhere in the query
//	fasano zonulin               (fasano OR fasano[au]) AND zonulin: a surname of the library
//	Am J Gastroenterol, Gut      ... OR "Am J Gastroenterol"[ta]; a one-word title only alone
//
// condition:ibd, mechanism:microbiome and evidence:rct are terms of the
// language too: the records tagged so. The longest run that maps wins.
//
// Correct (spell.go) puts spelling corrections into a query's text: only
// words searched as plain text, never tagged terms, phrases, wildcards,
// identifiers, numbers, author names or acronyms. The corrections come from
// the caller (the index's vocabulary).
//
// Limits: MaxChars of input and MaxTerms words and phrases, both checked
// again on the expanded String(), so that Parse(q.String()) always succeeds.
//
// Wildcards match index terms, which are stems ("probiotics" is indexed as
// "probiot"), so "probiotic*" also matches the stems of the likely
// completions of the prefix, not only the literal prefix.
package query
