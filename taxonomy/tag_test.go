package taxonomy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"villi/internal/fixture"
	"villi/internal/pubmedtest"
	"villi/pubmed"
)

// article builds an unindexed record (no MeSH) from a title and abstract.
func article(title, abstract string) *pubmed.Article {
	return &pubmed.Article{PMID: 1, Title: title, Abstract: []pubmed.AbstractSection{{Text: abstract}}}
}

func withMeSH(a *pubmed.Article, names ...string) *pubmed.Article {
	for _, n := range names {
		ui, name, ok := strings.Cut(n, ":")
		if !ok {
			ui, name = "", n
		}
		a.MeSH = append(a.MeSH, pubmed.MeshHeading{DescriptorUI: ui, DescriptorName: name})
	}
	return a
}

func withPT(a *pubmed.Article, names ...string) *pubmed.Article {
	for _, n := range names {
		a.PublicationTypes = append(a.PublicationTypes, pubmed.PublicationType{Name: n})
	}
	return a
}

func TestTag_ConditionsFromText(t *testing.T) {
	tests := []struct {
		name string
		a    *pubmed.Article
		want []string
	}{
		{"title names the condition", article("Zonulin in Hashimoto's thyroiditis", ""), []string{"hashimoto"}},
		{"defined abbreviation counts for its condition",
			article("Serology in adults", "Celiac disease (CD) is common. CD was found in 3% of cases."),
			[]string{"celiac"}},
		{"CD defined as Crohn's disease is ibd, not celiac",
			article("Diet and outcomes", "Crohn's disease (CD) relapses. In CD, gluten was not linked to relapse."),
			[]string{"ibd"}},
		{"undefined CD counts for Crohn only in IBD context",
			article("Exclusive enteral nutrition", "Children with active CD and perianal fistulae received formula. CD activity fell after ileal resection."),
			[]string{"ibd"}},
		{"CD4 T cells are not Crohn's disease",
			article("T cells in the gut", "CD4+ and CD8+ cells were counted. CD markers were stained in colitis models."),
			[]string{}},
		{"MS as mass spectrometry is not multiple sclerosis",
			article("Metabolomics of stool", "Samples were analysed by liquid chromatography mass spectrometry (MS). MS spectra showed lesions of nothing."),
			[]string{}},
		{"MS defined as multiple sclerosis counts",
			article("Gut microbiota", "Multiple sclerosis (MS) is a demyelinating disease. MS patients had dysbiosis."),
			[]string{"multiple-sclerosis"}},
		{"RA as retinoic acid is not rheumatoid arthritis",
			article("Vitamin A and tolerance", "Retinoic acid (RA) drives regulatory T cells. RA levels in joints were measured."),
			[]string{}},
		{"celiac artery is anatomy", article("Celiac artery compression syndrome", "The celiac trunk was compressed."), []string{}},
		{"non-celiac gluten sensitivity is not celiac disease",
			article("Non-celiac gluten sensitivity: a review", "Non-coeliac gluten sensitivity is debated."), []string{}},
		{"juvenile rheumatoid arthritis is not rheumatoid arthritis",
			article("Juvenile rheumatoid arthritis and diet", ""), []string{}},
		{"lupus anticoagulant is not lupus", article("Lupus anticoagulant in Crohn's disease", ""), []string{"ibd"}},
		{"a passing mention in a list does not tag",
			article("Probiotics in irritable bowel syndrome",
				"Probiotics were tried in many diseases, such as asthma, rheumatoid arthritis, and eczema. We studied IBS."),
			[]string{}},
		{"two mentions in the abstract tag",
			article("Dietary fibre intake", "Patients with ulcerative colitis ate less fibre. Ulcerative colitis relapse was predicted by fibre."),
			[]string{"ibd"}},
		{"type 1 diabetes spelled several ways",
			article("Coeliac screening in insulin-dependent diabetes mellitus", ""), []string{"celiac", "type-1-diabetes"}},
		{"non-insulin-dependent diabetes is not type 1",
			article("Fibre in non-insulin-dependent diabetes", ""), []string{}},
		{"tags come out in table order",
			article("Psoriasis, lupus, celiac disease and rheumatoid arthritis in one clinic", ""),
			[]string{"rheumatoid-arthritis", "lupus", "celiac", "psoriasis"}},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(tt.a).Conditions
			if !slices.Equal(got, tt.want) {
				t.Errorf("conditions = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTag_AnimalModelsCountForConditionAndSpecies(t *testing.T) {
	tests := []struct {
		name, title, abstract string
		want                  string
	}{
		{"EAE", "Probiotics attenuate experimental autoimmune encephalomyelitis", "EAE was induced in C57BL/6 mice with MOG peptide.", "multiple-sclerosis"},
		{"collagen-induced arthritis", "Gut microbiota shapes collagen-induced arthritis", "DBA/1 mice were immunised with type II collagen.", "rheumatoid-arthritis"},
		{"NOD mice", "Gluten-free diet delays diabetes in NOD mice", "Female NOD mice were fed a gluten-free diet and insulitis was scored.", "type-1-diabetes"},
		{"DSS colitis", "Butyrate in DSS-induced colitis", "Mice received 3% dextran sulfate sodium in drinking water.", "ibd"},
		{"TNBS colitis", "Zinc and TNBS colitis in rats", "Rats were given trinitrobenzene sulfonic acid intrarectally.", "ibd"},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(article(tt.title, tt.abstract))
			if !slices.Contains(got.Conditions, tt.want) {
				t.Errorf("conditions = %q, want %q among them", got.Conditions, tt.want)
			}
			if got.Species != "animal" {
				t.Errorf("species = %q, want animal", got.Species)
			}
			if got.Evidence != "animal" {
				t.Errorf("evidence = %q, want animal", got.Evidence)
			}
		})
	}
}

func TestTag_MeSHDecidesIndexedRecords(t *testing.T) {
	tests := []struct {
		name string
		a    *pubmed.Article
		want []string
	}{
		{"descriptor UI", withMeSH(article("x", ""), "D003424:Crohn Disease"), []string{"ibd"}},
		{"UI alone, renamed descriptor", withMeSH(article("x", ""), "D008180:Lupus, Systemic (renamed)"), []string{"lupus"}},
		{"name without UI (legacy files, topical fixtures)", withMeSH(article("x", ""), "Celiac Disease"), []string{"celiac"}},
		{"narrower descriptors", withMeSH(article("x", ""), "D020529:Multiple Sclerosis, Relapsing-Remitting", "D008181:Lupus Nephritis", "Arthritis, Psoriatic"), []string{"multiple-sclerosis", "lupus", "psoriasis"}},
		{"MeSH wins over a passing mention in the text",
			withMeSH(article("Celiac disease and rheumatoid arthritis", ""), "Celiac Disease"), []string{"celiac"}},
		{"names match exactly as NLM spells them", withMeSH(article("x", ""), "celiac disease"), []string{}},
		{"dermatitis herpetiformis alone is not celiac", withMeSH(article("x", ""), "Dermatitis Herpetiformis"), []string{}},
		{"DSS colitis by MeSH", withMeSH(article("x", ""), "Colitis", "Dextran Sulfate", "Animals"), []string{"ibd"}},
		{"colitis alone is not ibd", withMeSH(article("x", ""), "Colitis"), []string{}},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(tt.a).Conditions
			if !slices.Equal(got, tt.want) {
				t.Errorf("conditions = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTag_Mechanisms(t *testing.T) {
	tests := []struct {
		name string
		a    *pubmed.Article
		want []string
	}{
		{"zonulin and leaky gut", article("Zonulin and leaky gut", ""), []string{"intestinal-permeability"}},
		{"lactulose/mannitol test, repeated", article("Sugar tests", "The lactulose/mannitol ratio rose. The lactulose/mannitol ratio fell after treatment."), []string{"intestinal-permeability"}},
		{"gluten-free diet and probiotics", article("A gluten-free diet with probiotics", ""), []string{"remove", "rebalance"}},
		{"glutamine and zinc", article("Glutamine and zinc for the mucosa", ""), []string{"repair"}},
		{"FMT defined", article("Donor stool", "Fecal microbiota transplantation (FMT) was given. FMT donors were screened."), []string{"rebalance"}},
		{"gut-brain axis and sleep", article("Sleep and the gut-brain axis", ""), []string{"regulate"}},
		{"gluten challenge", article("A gluten challenge after remission", ""), []string{"reintroduce"}},
		{"microbiome", article("Dysbiosis of the gut microbiota", ""), []string{"microbiome"}},
		{"oxidative stress is not regulate", article("Oxidative stress in enterocytes", ""), []string{}},
		// What a study examines, not what it mentions (issue 13, item 2).
		{"one passing mention is background",
			article("Bone density in adults with celiac disease", "The only treatment of celiac disease is a gluten-free diet. Bone density was measured in 80 adults."),
			[]string{}},
		{"a mention in the aim counts",
			article("Bone density in adults with celiac disease", "Bone loss is common. We aimed to assess whether a gluten-free diet restores bone density. Density was measured in 80 adults."),
			[]string{"remove"}},
		{"a mention in a conclusions section counts",
			&pubmed.Article{PMID: 1, Title: "Symptoms in irritable bowel syndrome", Abstract: []pubmed.AbstractSection{
				{Category: "METHODS", Text: "Symptoms were scored in 60 adults."},
				{Category: "CONCLUSIONS", Text: "Probiotic supplementation may help some patients."}}},
			[]string{"rebalance"}},
		{"the same mention in methods does not",
			&pubmed.Article{PMID: 1, Title: "Symptoms in irritable bowel syndrome", Abstract: []pubmed.AbstractSection{
				{Category: "METHODS", Text: "Symptoms were scored in 60 adults; none took probiotics."},
				{Category: "CONCLUSIONS", Text: "Symptoms were stable."}}},
			[]string{}},
		{"GFD after its definition counts as a repeat",
			article("Bone density in adults", "Adults on a gluten-free diet (GFD) were studied. Bone density rose on the GFD."),
			[]string{"remove"}},
		{"inulin as a permeability probe is not rebalance",
			article("Intestinal permeability in Crohn's disease", "Permeability was measured by FITC-inulin and mannitol. FITC-inulin recovery was higher in patients."),
			[]string{"intestinal-permeability"}},
		{"food allergy without avoidance is not remove",
			article("Food allergy and eosinophils", "Food allergy affects children. Food allergy was confirmed by skin prick test."),
			[]string{}},
		{"an elimination diet for food allergy is",
			article("Food allergy in children", "Food allergy affects children. Symptoms resolved on a diet avoiding the food allergen."),
			[]string{"remove"}},
		{"MeSH descriptors", withMeSH(article("x", ""), "D000069196:Gastrointestinal Microbiome", "D054328:Proton Pump Inhibitors", "Tight Junctions"), []string{"intestinal-permeability", "microbiome"}},
		{"a gliadin lab study indexed with Glutens is not remove",
			withMeSH(article("Gliadin peptides activate T cells", "Gliadin peptides were added to cultured cells of patients on a gluten-free diet."), "Glutens", "Gliadin", "Celiac Disease"),
			[]string{}},
		{"Diet, Gluten-Free indexes remove", withMeSH(article("Bone density in adults", ""), "Diet, Gluten-Free", "Celiac Disease"), []string{"remove"}},
		{"an indexed record's title still counts", withMeSH(article("A gluten-free diet in adults", ""), "Celiac Disease"), []string{"remove"}},
	}
	tx := Default()
	ppiMajor := withMeSH(article("x", ""), "D054328:Proton Pump Inhibitors")
	ppiMajor.MeSH[0].Major = true
	tests = append(tests, struct {
		name string
		a    *pubmed.Article
		want []string
	}{"PPIs as a major topic index remove", ppiMajor, []string{"remove"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(tt.a).Mechanisms
			if !slices.Equal(got, tt.want) {
				t.Errorf("mechanisms = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTag_Evidence(t *testing.T) {
	tests := []struct {
		name string
		a    *pubmed.Article
		want string
	}{
		{"meta-analysis publication type", withPT(article("x", ""), "Journal Article", "Meta-Analysis", "Review"), "meta-analysis"},
		{"meta-analysis published as a Review", withPT(article("Probiotics in IBD: a meta-analysis", ""), "Review"), "meta-analysis"},
		{"systematic review from the title", withPT(article("Zonulin: a systematic review", "Twelve studies were included."), "Journal Article"), "systematic-review"},
		{"strongest type wins", withPT(article("x", ""), "Clinical Trial", "Randomized Controlled Trial"), "rct"},
		{"trial phases", withPT(article("x", ""), "Clinical Trial, Phase II"), "clinical-trial"},
		{"RCT from text", withPT(article("Butyrate in Crohn's disease: a randomized, double-blind, placebo-controlled trial", "Patients were randomly assigned to butyrate or placebo."), "Journal Article"), "rct"},
		{"a review that discusses trials stays a review", withPT(article("Diet in IBD", "Randomized controlled trials were randomly assigned... we review them."), "Review"), "review"},
		{"observational from text", article("Gluten intake and celiac disease: a prospective cohort study", "Children were followed."), "observational"},
		{"case report type", withPT(article("x", ""), "Case Reports"), "case-report"},
		{"case report from text", article("Refractory sprue", "We report a case of a 45-year-old woman with refractory sprue."), "case-report"},
		{"animal-only from MeSH", withPT(withMeSH(article("x", ""), "Animals", "Mice"), "Journal Article"), "animal"},
		{"animal-only from text", article("Glutamine in piglets", "Weanling piglets were fed glutamine."), "animal"},
		{"in vitro", article("Gliadin opens tight junctions in Caco-2 cells", "Caco-2 monolayers were exposed to gliadin in vitro."), "in-vitro"},
		{"review type", withPT(article("x", ""), "Review"), "review"},
		{"nothing to go on", withPT(article("Gluten", ""), "Journal Article"), "other"},
		{"a letter is commentary", withPT(article("Letter", ""), "Letter"), "commentary"},
		{"a comment on a trial is not the trial", withPT(article("A randomized controlled trial of butyrate", ""), "Comment", "Randomized Controlled Trial"), "commentary"},
		{"a case told in a letter is a case report", withPT(article("x", ""), "Letter", "Case Reports"), "case-report"},
		{"design heading", withPT(withMeSH(article("x", ""), "D016022:Case-Control Studies", "Humans"), "Journal Article"), "observational"},
		{"publication type before heading", withPT(withMeSH(article("x", ""), "D012189:Retrospective Studies"), "Case Reports"), "case-report"},
		{"indexed without a design: text does not overrule", withPT(withMeSH(article("A randomized trial", "Patients were randomly assigned to diet."), "Humans"), "Journal Article"), "other"},
		{"a meta-analysis title without an abstract is a letter about one", article("Re. Vitamin D in Crohn's disease: meta-analysis of observational studies", ""), "commentary"},
		{"a reply", article("Reply to: gluten and IBS", "We thank the authors for their randomized trial."), "commentary"},
		{"a publisher's Review that pools studies", withPT(article("Probiotics in IBD", "Pooled estimates were drawn as a forest plot."), "Review"), "meta-analysis"},
		{"an indexed Review stays one", withPT(withMeSH(article("Probiotics in IBD: a meta-analysis", ""), "Humans"), "Review"), "review"},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tx.Tag(tt.a).Evidence; got != tt.want {
				t.Errorf("evidence = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTag_Species(t *testing.T) {
	tests := []struct {
		name string
		a    *pubmed.Article
		want string
	}{
		{"MeSH Humans", withMeSH(article("x", ""), "D006801:Humans"), "human"},
		{"MeSH Animals and Humans", withMeSH(article("x", ""), "Humans", "Animals"), "both"},
		{"text: patients", article("Zinc in patients with Crohn's disease", "Forty patients took zinc."), "human"},
		{"text: mice", article("Zinc in mice", "Mice took zinc."), "animal"},
		{"text: both", article("From mice to patients", "Mice and rats were studied; patients and volunteers too."), "both"},
		{"no cues", article("Gluten peptides", ""), "unknown"},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tx.Tag(tt.a).Species; got != tt.want {
				t.Errorf("species = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTag_EmptyArticleGivesEmptySlicesNotNull(t *testing.T) {
	got := Default().Tag(&pubmed.Article{})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"conditions":[],"mechanisms":[],"evidence":"other","species":"unknown","focus":{"conditions":[],"mechanisms":[]}}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestTag_IsDeterministicAndConcurrencySafe(t *testing.T) {
	tx := Default()
	a := withPT(article("Probiotics and zonulin in celiac disease (CD): a randomized trial",
		"CD patients were randomly assigned to probiotics. Intestinal permeability fell in CD."), "Journal Article")
	want := tx.Tag(a)
	done := make(chan Tags)
	for range 8 {
		go func() {
			var last Tags
			for range 200 {
				last = tx.Tag(a)
			}
			done <- last
		}()
	}
	for range 8 {
		if got := <-done; !equalTags(got, want) {
			t.Errorf("concurrent Tag = %+v, want %+v", got, want)
		}
	}
}

func equalTags(a, b Tags) bool {
	return slices.Equal(a.Conditions, b.Conditions) && slices.Equal(a.Mechanisms, b.Mechanisms) &&
		a.Evidence == b.Evidence && a.Species == b.Species &&
		slices.Equal(a.Focus.Conditions, b.Focus.Conditions) && slices.Equal(a.Focus.Mechanisms, b.Focus.Mechanisms)
}

// TestTag_RealRecords tags hand-picked real PubMed records from the shared
// fixtures that touch the conditions (records.tsv lists them): MeSH with UIs,
// MeSH with names only (older files), narrower descriptors, animal models.
func TestTag_RealRecords(t *testing.T) {
	tests := []struct {
		file     string
		pmid     uint64
		want     Tags
		mechAlso []string // mechanisms that must be among the tags
	}{
		{"JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz", 15968009,
			Tags{Conditions: []string{"lupus"}, Evidence: "rct", Species: "human"}, nil},
		{"JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz", 17059514,
			Tags{Conditions: []string{"ibd"}, Evidence: "rct", Species: "human"}, nil},
		{"JULIELab__jcore-base/jcore-xml-reader__src__test__resources__pubmedXML__pubmedsample18n0001.xml.gz", 11520209,
			Tags{Conditions: []string{"ibd"}, Evidence: "animal", Species: "animal"}, nil},
		{"jha0076__AzureWebScrapper/efetch.xml", 30410033,
			Tags{Conditions: []string{"multiple-sclerosis"}, Evidence: "review", Species: "human"}, nil},
		{"metapub__metapub/tests__data__pmid_28731372.xml", 28731372, // Multiple Sclerosis, Relapsing-Remitting
			Tags{Conditions: []string{"multiple-sclerosis"}, Evidence: "rct", Species: "human"}, nil},
		{"PathwayCommons__ncbiutils/tests__data__multiple.xml", 1405313, // Lupus Nephritis in MRL-lpr mice
			Tags{Conditions: []string{"lupus"}, Evidence: "animal", Species: "animal"}, nil},
		{"PathwayCommons__ncbiutils/tests__data__multiple.xml", 1339917, // In Vitro Techniques: cells, not people
			Tags{Conditions: []string{"rheumatoid-arthritis"}, Evidence: "in-vitro", Species: "unknown"}, nil},
		{"mokztk__pubmed-parser/pubmed_result.xml", 22560113, // MeSH names without UIs
			Tags{Conditions: []string{"rheumatoid-arthritis"}, Evidence: "observational", Species: "human"}, nil},
		{"mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml", 8040907,
			Tags{Conditions: []string{"psoriasis"}, Evidence: "review", Species: "human"}, nil},
		{"mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml", 1989324,
			Tags{Conditions: []string{"type-1-diabetes"}, Species: "human"}, nil},
		{"titipata__pubmed_parser/data__medline16n0902.xml.gz", 25361765,
			Tags{Conditions: []string{"ibd"}, Species: "both"}, nil},
		{"metapub__metapub/tests__fixtures__pmid_xml__38329942.xml", 38329942,
			Tags{Conditions: []string{}, Species: "both"}, []string{"microbiome"}},
		{"metapub__metapub/tests__fixtures__pmid_xml__35830032.xml", 35830032, // Meta-Analysis + Review types
			Tags{Conditions: []string{}, Evidence: "meta-analysis", Species: "human"}, []string{"remove"}},
	}
	tx := Default()
	for _, tt := range tests {
		a := readRecord(t, tt.file, tt.pmid)
		got := tx.Tag(a)
		if !slices.Equal(got.Conditions, tt.want.Conditions) {
			t.Errorf("%d %q: conditions = %q, want %q", tt.pmid, a.Title, got.Conditions, tt.want.Conditions)
		}
		if tt.want.Evidence != "" && got.Evidence != tt.want.Evidence {
			t.Errorf("%d %q: evidence = %q, want %q", tt.pmid, a.Title, got.Evidence, tt.want.Evidence)
		}
		if got.Species != tt.want.Species {
			t.Errorf("%d %q: species = %q, want %q", tt.pmid, a.Title, got.Species, tt.want.Species)
		}
		for _, m := range tt.mechAlso {
			if !slices.Contains(got.Mechanisms, m) {
				t.Errorf("%d %q: mechanisms = %q, want %q among them", tt.pmid, a.Title, got.Mechanisms, m)
			}
		}
	}
}

func readRecord(t *testing.T, rel string, pmid uint64) *pubmed.Article {
	t.Helper()
	return pubmedtest.Article(t, fixture.Path(t, rel), pmid)
}

// TestTag_Focus: a condition or mechanism is the record's focus where NLM
// gave it as a major topic or the title names it; the rest are mentions
// (issue 13, item 4).
func TestTag_Focus(t *testing.T) {
	major := func(a *pubmed.Article, names ...string) *pubmed.Article {
		for i := range a.MeSH {
			if slices.Contains(names, a.MeSH[i].DescriptorName) {
				a.MeSH[i].Major = true
			}
		}
		return a
	}
	tests := []struct {
		name                 string
		a                    *pubmed.Article
		conds, mechs         []string
		focusCond, focusMech []string
	}{
		{"a minor heading is a mention: Crohn's on a paper about air embolism",
			major(withMeSH(article("Air embolism during endoscopy", "A patient with Crohn's disease had an air embolism."), "Embolism, Air", "Crohn Disease", "Endoscopy"), "Embolism, Air"),
			[]string{"ibd"}, []string{}, []string{}, []string{}},
		{"a major heading is the focus",
			major(withMeSH(article("Outcomes in adults", ""), "Celiac Disease", "Diet, Gluten-Free", "Crohn Disease"), "Celiac Disease", "Diet, Gluten-Free"),
			[]string{"celiac", "ibd"}, []string{"remove"}, []string{"celiac"}, []string{"remove"}},
		{"a major qualifier makes the heading major",
			func() *pubmed.Article {
				a := withMeSH(article("Outcomes", ""), "Celiac Disease")
				a.MeSH[0].Qualifiers = []pubmed.Qualifier{{Name: "diet therapy", Major: true}}
				return a
			}(),
			[]string{"celiac"}, []string{}, []string{"celiac"}, []string{}},
		{"an indexed record's title names its focus",
			withMeSH(article("Celiac disease in adults", ""), "Celiac Disease"),
			[]string{"celiac"}, []string{}, []string{"celiac"}, []string{}},
		{"without MeSH the title decides the focus, the abstract gives mentions",
			article("Probiotics in celiac disease", "Celiac disease and Crohn's disease were compared. Crohn's disease patients had more probiotic use. We conclude that the gluten-free diet matters."),
			[]string{"celiac", "ibd"}, []string{"remove", "rebalance"}, []string{"celiac"}, []string{"rebalance"}},
	}
	tx := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tx.Tag(tt.a)
			if !slices.Equal(got.Conditions, tt.conds) || !slices.Equal(got.Mechanisms, tt.mechs) {
				t.Errorf("tags = %q %q, want %q %q", got.Conditions, got.Mechanisms, tt.conds, tt.mechs)
			}
			if !slices.Equal(got.Focus.Conditions, tt.focusCond) || !slices.Equal(got.Focus.Mechanisms, tt.focusMech) {
				t.Errorf("focus = %q %q, want %q %q", got.Focus.Conditions, got.Focus.Mechanisms, tt.focusCond, tt.focusMech)
			}
			mc, mm := got.Mentions()
			if len(mc)+len(tt.focusCond) != len(got.Conditions) || len(mm)+len(tt.focusMech) != len(got.Mechanisms) {
				t.Errorf("mentions %q %q do not complete focus %q %q to the tags", mc, mm, tt.focusCond, tt.focusMech)
			}
		})
	}
}
