package digest

import (
	"strings"
	"testing"
	"time"

	"villi/store"
)

func TestHandouts_CollectionFlagToldOnceByDigest(t *testing.T) {
	lib, _ := selectionLib(t)
	st := lib.DB()
	c, err := st.CreateCollection("carla@example.org", "Lupus handout")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []uint64{pmidLupus, pmidRetracted} {
		if _, err := st.AddItem(c.ID, store.CollectionItem{PMID: p, Added: longAgo}); err != nil {
			t.Fatal(err)
		}
	}
	srv := startSMTP(t, nil)
	now1 := time.Date(1993, 1, 4, 7, 0, 0, 0, time.UTC) // a Monday, after every record arrived
	cfg := testConfig(now1)
	cfg.SMTPURL = srv.url()
	s := newService(t, lib, cfg) // Handouts nil: the collections in the store
	carla := addSub(t, st, store.Subscription{Email: "carla@example.org", Conditions: []string{"hashimoto"}, EmptyWeek: store.EmptyWeekSkip}, now1.AddDate(0, 0, -7))
	other := addSub(t, st, store.Subscription{Email: "dan@example.org", Conditions: []string{"hashimoto"}}, now1.AddDate(0, 0, -7))

	mustRun(t, s, now1, RunOptions{})
	msgs := srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want carla's (a handout flag) and dan's (nothing new)", len(msgs))
	}
	for _, m := range msgs {
		p := parseMail(t, m.Data)
		hasWarning := strings.Contains(p.text, "CHECK YOUR HANDOUTS")
		switch m.To[0] {
		case "carla@example.org":
			if !hasWarning || !strings.Contains(p.text, "Retracted") || !strings.Contains(p.text, `"Lupus handout"`) || !strings.Contains(p.text, "PMID 1752960") {
				t.Errorf("carla's digest lacks the retraction warning:\n%s", p.text)
			}
			if strings.Contains(p.text, "PMID 1405313") {
				t.Error("an unflagged item was reported")
			}
			if p.subject != "villi weekly: check your handouts" {
				t.Errorf("subject %q", p.subject)
			}
		case "dan@example.org":
			if hasWarning {
				t.Error("dan owns no collection but got a handout warning")
			}
		}
	}
	got, _ := st.Subscription(carla.ID)
	if len(got.Told) != 1 || got.Told[0] != "1:1752960:retracted" {
		t.Errorf("Told = %q, want the one flag", got.Told)
	}

	// Next week nothing is new for carla, who skips empty weeks: no mail.
	mustRun(t, s, now1.AddDate(0, 0, 7), RunOptions{})
	if n := len(srv.messages()); n != 3 {
		t.Errorf("%d mails after week 2, want 3 (dan's 'nothing new' only)", n)
	}
	if e := entryOf(t, st, carla.ID, WeekKey(now1.AddDate(0, 0, 7), time.UTC)); e.State != store.SendSkipped {
		t.Errorf("carla's week 2 = %s, want skipped: the flag was told already", e.State)
	}
	_ = other
}
