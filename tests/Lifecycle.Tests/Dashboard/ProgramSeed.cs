using System.Net.Http.Json;
using Lifecycle.Contacts;
using Lifecycle.Experiments;
using Lifecycle.Programs;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Dashboard;

/// <summary>
/// Two programs with hand-made runs in March 2026 (UTC), whose counts the tests derive by hand:
/// "drip" (welcome add_points → wait P3D → end exit; stall after the default 30 days), and "offer" (an ab_split on
/// conversion to mql between A and B, then exit) with 10 contacts per variant, 2 of A's and 6 of B's becoming MQLs.
/// </summary>
public static class ProgramSeed
{
    public const string Month = "2026-03";
    public const string DripName = "Drip <script>alert('drip')</script>";
    private static DateTime March(int day, int hour = 9) => new(2026, 3, day, hour, 0, 0, DateTimeKind.Utc);

    public static async Task SeedAsync(RunningServer server)
    {
        var api = server.Client;
        (await api.PostAsJsonAsync("/api/programs", new
        {
            id = "drip", name = DripName,
            steps = new object[]
            {
                new { id = "welcome", type = "add_points", points = 5, next = "wait" },
                new { id = "wait", type = "wait", duration = "P3D", next = "end" },
                new { id = "end", type = "exit" },
            },
        })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync("/api/programs", new
        {
            id = "offer", name = "Offer test",
            steps = new object[]
            {
                new { id = "ab", type = "ab_split", metric = "conversion", variants = new[] { new { name = "A", weight = 1, next = "end" }, new { name = "B", weight = 1, next = "end" } } },
                new { id = "end", type = "exit" },
            },
        })).EnsureSuccessStatusCode();

        await using var db = server.Database.Database.Open();
        var contacts = new[] { "d1", "d2", "d3", "d4" }.Concat(Enumerable.Range(0, 20).Select(i => $"o{i:00}")).ToList();
        db.Contacts.AddRange(contacts.Select(id => new Contact { Id = id, Email = $"{id}@seed.example", Status = ContactStatus.Lead, CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) }));
        await db.SaveChangesAsync();

        // drip: d1 goes all the way through in March; d2 bounces at welcome; d3 entered welcome on 10 Feb and is still
        // there (stalls 30 days later, on 12 March); d4 entered the wait on 20 March and is still waiting (stalls 19 April).
        var d1 = Enrol("drip", "d1", EnrolmentState.Completed, "end", March(2));
        var d2 = Enrol("drip", "d2", EnrolmentState.Dropped, "welcome", March(3));
        var d3 = Enrol("drip", "d3", EnrolmentState.Active, "welcome", new DateTime(2026, 2, 10, 9, 0, 0, DateTimeKind.Utc));
        var d4 = Enrol("drip", "d4", EnrolmentState.Active, "wait", March(20));
        var offer = Enumerable.Range(0, 20).Select(i => Enrol("offer", $"o{i:00}", EnrolmentState.Completed, "end", March(4))).ToList();
        db.AddRange([d1, d2, d3, d4, .. offer]);
        await db.SaveChangesAsync();
        db.AddRange(
            Run(d1, "welcome", 1, March(2), March(2), StepOutcome.Completed),
            Run(d1, "wait", 2, March(2), March(5), StepOutcome.Completed),
            Run(d1, "end", 3, March(5), March(5), StepOutcome.Completed),
            Run(d2, "welcome", 1, March(3), March(3), StepOutcome.Dropped),
            Run(d3, "welcome", 1, new DateTime(2026, 2, 10, 9, 0, 0, DateTimeKind.Utc), null, null),
            Run(d4, "wait", 1, March(20), null, null));
        // offer: o00–o09 take A, o10–o19 take B on 4 March; o00, o01 (A) and o10–o15 (B) become MQLs on 6 March.
        for (var i = 0; i < 20; i++)
        {
            db.Add(Run(offer[i], "ab", 1, March(4), March(4), StepOutcome.Completed, i < 10 ? "A" : "B"));
            if (i is < 2 or (>= 10 and < 16))
                db.Transitions.Add(new Transition { ContactId = offer[i].ContactId, FromStatus = ContactStatus.Lead, ToStatus = ContactStatus.Mql, At = March(6), Actor = "seed" });
        }
        db.Add(new SplitDecision { ProgramId = "offer", StepId = "ab", Winner = "B", Reason = "decided by the seed <b>for the test</b>", DecidedAt = March(11) });
        await db.SaveChangesAsync();
    }

    private static Enrolment Enrol(string program, string contact, EnrolmentState state, string step, DateTime entered) => new()
    {
        ProgramId = program, ContactId = contact, State = state, CurrentStepId = step, Trigger = "api", EnteredAt = entered, DueAt = entered,
        Waiting = step == "wait" && state == EnrolmentState.Active, EndedAt = state == EnrolmentState.Active ? null : entered.AddDays(3),
    };

    private static StepRun Run(Enrolment e, string step, int visit, DateTime entered, DateTime? ended, StepOutcome? outcome, string? detail = null) => new()
    {
        EnrolmentId = e.Id, ProgramId = e.ProgramId, StepId = step, Visit = visit, ContactId = e.ContactId, EnteredAt = entered, EndedAt = ended, Outcome = outcome, Detail = detail,
    };
}
