package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"villi/digest"
	"villi/library"
	"villi/schedule"
	"villi/store"
)

// mailConfig is what the digest commands read besides the data directory.
// The SMTP URL and the secret come from the environment only: a flag would
// show them in `ps` and in --help defaults.
type mailConfig struct {
	from, baseURL string
	tz            string // -tz; empty means VILLI_TZ, as serve reads it
}

func mailFlags(fs *flag.FlagSet, e Env) *mailConfig {
	m := &mailConfig{}
	addr := envOr(e, "VILLI_ADDR", "127.0.0.1:8080")
	fs.StringVar(&m.from, "from", e.Getenv("VILLI_MAIL_FROM"), "sender, \"Name <addr>\" (env VILLI_MAIL_FROM)")
	fs.StringVar(&m.baseURL, "base-url", envOr(e, "VILLI_BASE_URL", "http://"+addr), "where villi's pages are reached, for links in mails (env VILLI_BASE_URL)")
	fs.StringVar(&m.tz, "tz", "", "time zone of digest weeks and schedule, as serve reckons them (default env VILLI_TZ, else this machine's)")
	return m
}

// settings reads the schedule's settings as serve does (schedule.FromEnv),
// with -tz in place of VILLI_TZ when given.
func (m *mailConfig) settings(e Env) (schedule.Settings, error) {
	set, err := schedule.FromEnv(e.Getenv)
	if err != nil {
		return set, fmt.Errorf("%w: %v", errUsage, err)
	}
	if m.tz != "" {
		if set.Location, err = schedule.LoadLocation(m.tz); err != nil {
			return set, fmt.Errorf("%w: -tz: %v", errUsage, err)
		}
	}
	return set, nil
}

// service builds the digest service, its weeks and schedule those of set;
// SMTP comes from VILLI_SMTP_URL.
func (m *mailConfig) service(lib *library.Library, e Env, set schedule.Settings, log *slog.Logger) (*digest.Service, error) {
	sch, err := set.DigestSchedule()
	if err != nil {
		return nil, fmt.Errorf("%w: VILLI_DIGEST_SPEC: %v", errUsage, err)
	}
	dc := digest.Config{
		SMTPURL:  e.Getenv("VILLI_SMTP_URL"),
		From:     m.from,
		BaseURL:  m.baseURL,
		Location: set.Location,
		Schedule: sch,
		Logger:   log,
		Clock:    e.now,
	}
	if sec := e.Getenv("VILLI_SECRET"); sec != "" {
		dc.Secret = []byte(sec)
	}
	return digest.New(lib, dc)
}

func runDigest(ctx context.Context, e Env, args []string) error {
	fs, cfg := newFlags(e, lookup("digest"))
	mc := mailFlags(fs, e)
	dry := fs.Bool("dry-run", false, "build the digests and print them; send and record nothing")
	to := fs.String("to", "", "only the subscription of this address")
	resend := fs.Bool("resend-uncertain", false, "resend digests whose delivery is uncertain (same Message-ID); check the mail server's log first")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, rest)
	}
	set, err := mc.settings(e)
	if err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	svc, err := mc.service(lib, e, set, cfg.logger(e))
	if err != nil {
		return err
	}
	rep, err := svc.Run(ctx, e.now(), digest.RunOptions{DryRun: *dry, To: *to, ResendUncertain: *resend})
	if err != nil {
		return err
	}
	printReport(e.Stdout, rep, *dry)
	if *to != "" && len(rep.Outcomes) == 0 {
		return fmt.Errorf("no confirmed subscription for %s", *to)
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%s failed; the next run retries them", plural(rep.Failed, "digest"))
	}
	return nil
}

func printReport(w io.Writer, rep *digest.Report, dry bool) {
	for _, o := range rep.Outcomes {
		state := string(o.State)
		if state == "" {
			state = "-"
		}
		line := fmt.Sprintf("%s  %-32s %-10s %s", rep.Week, o.Email, state, plural(o.Items, "item"))
		if o.Note != "" {
			line += "  (" + o.Note + ")"
		}
		if o.Err != "" {
			line += "  error: " + o.Err
		}
		fmt.Fprintln(w, line)
		if dry && o.Message != nil && !o.Message.Skip {
			fmt.Fprintf(w, "\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n\n%s\n", o.Message.To, o.Message.Subject, o.Message.MessageID, o.Message.Text)
		}
	}
	fmt.Fprintf(w, "%s: %d sent, %d skipped, %d failed, %d uncertain\n", rep.Week, rep.Sent, rep.Skipped, rep.Failed, rep.Uncertain)
}

func runSubscription(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs, _ := newFlags(e, lookup("subscription"))
		if _, err := parse(fs, args); err != nil {
			return err
		}
		return fmt.Errorf("%w: want add, list or remove", errUsage)
	}
	sub, args := args[0], args[1:]
	c := lookup("subscription")
	c.name += " " + sub
	fs, cfg := newFlags(e, c)
	mc := mailFlags(fs, e)
	var (
		u         digest.SignUp
		conds     multi
		mechs     multi
		confirmed bool
	)
	switch sub {
	case "add":
		fs.StringVar(&u.Email, "email", "", "subscriber's e-mail address (required)")
		fs.Var(&conds, "condition", "condition slug, repeatable")
		fs.Var(&mechs, "mechanism", "mechanism slug, repeatable")
		fs.StringVar(&u.Query, "query", "", "PubMed-style query the records must match")
		fs.StringVar(&u.MinEvidence, "min-evidence", "", "weakest evidence level wanted (meta-analysis, systematic-review, rct, ...)")
		fs.BoolVar(&u.HumansOnly, "humans-only", false, "only human studies")
		fs.StringVar(&u.EmptyWeek, "empty-week", store.EmptyWeekSend, "on a week with nothing new: send a short note, or skip")
		fs.BoolVar(&confirmed, "confirmed", false, "add as confirmed without a confirmation mail (the subscriber agreed elsewhere)")
	case "list", "remove":
	default:
		return fmt.Errorf("%w: unknown subcommand %q (want add, list or remove)", errUsage, sub)
	}
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	u.Conditions, u.Mechanisms = conds, mechs
	switch {
	case sub == "add" && (u.Email == "" || len(rest) > 0):
		return fmt.Errorf("%w: give --email and no other arguments", errUsage)
	case sub == "remove" && len(rest) != 1:
		return fmt.Errorf("%w: give one subscription ID or e-mail address", errUsage)
	case sub == "list" && len(rest) > 0:
		return fmt.Errorf("%w: list takes no arguments", errUsage)
	}
	set, err := mc.settings(e)
	if err != nil {
		return err
	}
	lib, err := cfg.open(ctx, nil)
	if err != nil {
		return err
	}
	defer lib.Close()
	svc, err := mc.service(lib, e, set, cfg.logger(e))
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		s, err := svc.Add(ctx, u, confirmed)
		var fe *digest.FieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("%w: --%s: %s", errUsage, strings.ReplaceAll(fe.Field, "_", "-"), fe.Msg)
		}
		if err != nil {
			return err
		}
		if s.Confirmed {
			fmt.Fprintf(e.Stdout, "subscription %d: %s, confirmed; first digest after this week's\n", s.ID, s.Email)
		} else {
			fmt.Fprintf(e.Stdout, "subscription %d: %s, confirmation mail sent; nothing else is sent until the link in it is followed\n", s.ID, s.Email)
		}
	case "remove":
		s, err := svc.Remove(rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "removed subscription %d (%s)\n", s.ID, s.Email)
	case "list":
		subs, err := svc.Subscribers()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tSTATUS\tFOLLOWS\tEMPTY WEEK\tLAST DIGEST")
		for _, s := range subs {
			status := "confirmed"
			if !s.Confirmed {
				status = "unconfirmed"
			}
			last := "-"
			if s.Last != nil {
				last = s.Last.Week + " " + string(s.Last.State)
				if s.Last.LastError != "" && s.Last.State != store.SendSent {
					last += ": " + s.Last.LastError
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Email, status, svc.Describe(&s.Subscription), s.EmptyWeek, last)
		}
		tw.Flush()
	}
	return nil
}
