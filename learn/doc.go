// Package learn owns villi's learned tagger: a one-vs-rest logistic
// regression per tag NLM decides (each condition, each evidence level),
// trained on the library's records NLM has indexed and applied, together with
// the taxonomy's rules, to the records NLM has not indexed yet. Those tags
// are villi's guess and are marked provisional, each with its reason: the
// rules' words, or the model's probability and the record's heaviest terms.
// Where the rules' words name an evidence level the model finds very
// unlikely (under the level's veto, chosen on the calibration fifth), the
// model overrules them; a publisher's publication type it never overrules.
//
// Features are hashed unigrams and bigrams of title and abstract (FNV-1a,
// 2^18 buckets), the rules' own text-only verdicts, and the record's shape:
// title words and form, the abstract's labelled sections and length, the
// numbers of authors and pages, the language, the journal's title words and
// the publication period, each kind under its own prefix. Training is plain
// SGD with L2 over the records in PMID order, no randomness, so one library
// gives one model byte for byte. Weights are kept as bfloat16 (the high half
// of a float32): 18 classes × 2^18 buckets × 2 bytes ≈ 9.4 MB, whatever the
// library's size. The package knows nothing of bbolt: Encode and Decode give
// the bytes the store keeps.
package learn
