using System.Text.Json;
using Lifecycle.Reports;
using Lifecycle.Storage;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// The e-mail projection (one row per message with its first send, bounce, open and click) against hand-derived
/// messages, whatever order and whichever pass its events arrive in.
/// </summary>
public class EmailProjectionTests
{
    private static DateTime T(string at) => DateTime.SpecifyKind(DateTime.Parse(at), DateTimeKind.Utc);

    private static EmailProperties Message(string key, string? program = null, string? campaign = null, bool machine = false) =>
        new("m:" + key, program, campaign, machine);

    [Fact]
    public void A_message_keeps_its_first_send_and_first_outcomes_and_the_send_names_it()
    {
        // The open arrives first: it names the message (program p-open) until the send does.
        var row = EmailProjection.Fold(null, "Email Opened", "c1", T("2026-01-06"), Message("m1", "p-open"));
        Assert.Equal(("p-open", (DateTime?)null, (DateTime?)T("2026-01-06")), (row.ProgramId, row.SentAt, row.OpenedAt));

        row = EmailProjection.Fold(row, "Email Sent", "c1", T("2026-01-05"), Message("m1", "p1", "cmp1"));
        Assert.Equal(("p1", "cmp1", (DateTime?)T("2026-01-05")), (row.ProgramId, row.CampaignId, row.SentAt));

        // A resend later keeps the first send and its program; a machine open earlier than the open is no open; an
        // earlier human open is the first open.
        row = EmailProjection.Fold(row, "Email Sent", "c1", T("2026-01-08"), Message("m1", "p2"));
        row = EmailProjection.Fold(row, "Email Opened", "c1", T("2026-01-05 10:00"), Message("m1", machine: true));
        Assert.Equal(("p1", (DateTime?)T("2026-01-05"), (DateTime?)T("2026-01-06")), (row.ProgramId, row.SentAt, row.OpenedAt));
        row = EmailProjection.Fold(row, "Email Opened", "c1", T("2026-01-05 12:00"), Message("m1"));
        Assert.Equal(T("2026-01-05 12:00"), row.OpenedAt);

        row = EmailProjection.Fold(row, "Email Clicked", "c1", T("2026-01-07"), Message("m1"));
        row = EmailProjection.Fold(row, "Email Bounced", "c1", T("2026-01-09"), Message("m1"));
        Assert.Equal(((DateTime?)T("2026-01-07"), (DateTime?)T("2026-01-09")), (row.ClickedAt, row.BouncedAt));
        Assert.Equal(("m:m1", "c1"), (row.MessageKey, row.ContactId));
    }

    private static async Task AddAsync(Database database, params (string Name, string Contact, string At, string Message, bool Machine)[] events)
    {
        await using var db = database.Open();
        foreach (var (name, contact, at, message, machine) in events)
            db.Events.Add(new TrackedEvent
            {
                MessageId = $"{message}:{name}:{at}", Type = "track", Name = name, ContactId = contact, UserId = contact, Timestamp = T(at), ReceivedAt = T(at),
                Payload = JsonSerializer.Serialize(new { properties = new { message_id = message, program_id = "p1", machine_open = machine } }),
            });
        await db.SaveChangesAsync(); // one transaction
    }

    private static readonly ReportPeriod January = new(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc);

    /// <summary>January's messages as contact:sent:bounced/opened/clicked flags (b, o, c or -), known at <paramref name="now"/>.</summary>
    private static async Task<string> JanuaryAsync(Database database, string now)
    {
        await using var db = database.Open();
        var facts = await ReportFacts.LoadAsync(db, January, T(now), ChannelMapping.Default, needs: FactNeeds.Emails, drillDown: true);
        return string.Join(" ", facts.Emails.OrderBy(e => e.SentAt).Select(e =>
            $"{e.ContactId}:{e.SentAt:MM-dd}:{(e.Bounced ? "b" : "-")}{(e.Opened ? "o" : "-")}{(e.Clicked ? "c" : "-")}"));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Events_in_any_order_and_pass_give_each_message_once_with_what_happened_by_now(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        // First transaction: m1 sent 01-05; m2's open (01-07) arrives before m2's send.
        await AddAsync(database.Database, ("Email Sent", "c1", "2026-01-05", "m1", false), ("Email Opened", "c2", "2026-01-07", "m2", false));
        // m2 is not sent yet as far as anyone knows: only m1.
        Assert.Equal("c1:01-05:---", await JanuaryAsync(database.Database, "2026-03-01"));

        // Second: m2 sent 01-06; m1 clicked 01-06; m3 sent 01-31 23:00 and bounced 02-01; m1 sent again 01-20 (one message).
        await AddAsync(database.Database, ("Email Sent", "c2", "2026-01-06", "m2", false), ("Email Clicked", "c1", "2026-01-06", "m1", false),
            ("Email Sent", "c3", "2026-01-31 23:00", "m3", false), ("Email Bounced", "c3", "2026-02-01", "m3", false),
            ("Email Sent", "c1", "2026-01-20", "m1", false));
        // Third: m1 opened 02-03 (a later month's open counts for January); m3 opened by a machine 02-01.
        await AddAsync(database.Database, ("Email Opened", "c1", "2026-02-03", "m1", false), ("Email Opened", "c3", "2026-02-01", "m3", true));

        Assert.Equal("c1:01-05:-oc c2:01-06:-o- c3:01-31:b--", await JanuaryAsync(database.Database, "2026-03-01"));
        // Known on 02-02: m1's open (02-03) is not yet; m3's bounce (02-01) is.
        Assert.Equal("c1:01-05:--c c2:01-06:-o- c3:01-31:b--", await JanuaryAsync(database.Database, "2026-02-02"));

        // c2 merges into c1 (as IdentityStitching does): m2 is c1's from the next pass on.
        await using (var db = database.Database.Open())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Events.Where(e => e.ContactId == "c2").ExecuteUpdateAsync(u => u.SetProperty(e => e.ContactId, "c1"));
            await EmailProjection.NoticeAsync(db, ["c2", "c1"], default);
            await transaction.CommitAsync();
        }
        Assert.Equal("c1:01-05:-oc c1:01-06:-o- c3:01-31:b--", await JanuaryAsync(database.Database, "2026-03-01"));

        // What README.md tells an operator to do to rebuild it.
        await using (var db = database.Database.Open())
            await db.Database.ExecuteSqlRawAsync("DELETE FROM report_projection_cursors; DELETE FROM report_email_changes; DELETE FROM report_emails;");
        Assert.Equal("c1:01-05:-oc c1:01-06:-o- c3:01-31:b--", await JanuaryAsync(database.Database, "2026-03-01"));
    }

    /// <summary>January's tallies as "MM-dd HH:mm sent/delivered/opened/clicked", known at <paramref name="now"/>.</summary>
    private static async Task<string> JanuaryTalliesAsync(Database database, string now)
    {
        await using var db = database.Open();
        var facts = await ReportFacts.LoadAsync(db, January, T(now), ChannelMapping.Default, needs: FactNeeds.Emails);
        Assert.Empty(facts.Emails); // a report counts; only a drill-down lists the messages
        return string.Join(", ", facts.EmailTallies.OrderBy(t => t.SentAt).Select(t =>
            $"{t.SentAt:MM-dd HH:mm} {t.Sent}/{t.Delivered}/{t.Opened}/{t.Clicked}"));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_report_counts_the_messages_of_each_quarter_hour_by_what_happened_to_them_by_now(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        // 09:00–09:14:59: m1 (nothing happens), m2 (opened 01-11). 09:15–09:29:59: m3 (bounced 10:00, then opened:
        // a bounced message's open is no delivered open), m4 (clicked 01-12 without an open). 10:00: m5 (opened 02-03).
        await AddAsync(database.Database, ("Email Sent", "c1", "2026-01-10 09:00", "m1", false), ("Email Sent", "c2", "2026-01-10 09:14:59", "m2", false),
            ("Email Opened", "c2", "2026-01-11", "m2", false), ("Email Sent", "c3", "2026-01-10 09:15", "m3", false),
            ("Email Bounced", "c3", "2026-01-10 10:00", "m3", false), ("Email Opened", "c3", "2026-01-10 11:00", "m3", false),
            ("Email Sent", "c4", "2026-01-10 09:29:59", "m4", false), ("Email Clicked", "c4", "2026-01-12", "m4", false),
            ("Email Sent", "c5", "2026-01-10 10:00", "m5", false), ("Email Opened", "c5", "2026-02-03", "m5", false));
        await using (var db = database.Database.Open()) await EmailProjection.CatchUpAsync(db);

        Assert.Equal("01-10 09:00 2/2/1/0, 01-10 09:15 2/1/0/1, 01-10 10:00 1/1/1/0", await JanuaryTalliesAsync(database.Database, "2026-03-01"));
        // Known on 01-11 12:00: m2's open is, m4's click and m5's open are not yet.
        Assert.Equal("01-10 09:00 2/2/1/0, 01-10 09:15 2/1/0/0, 01-10 10:00 1/1/0/0", await JanuaryTalliesAsync(database.Database, "2026-01-11 12:00"));
    }
}
