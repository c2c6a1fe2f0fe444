using System.Text.Json;
using Lifecycle.Programs;
using Lifecycle.Reports;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using static Lifecycle.Tests.Reports.ReportDataset;

namespace Lifecycle.Tests.Reports;

/// <summary>capture.form_conversion_rate and nurture.program_steps in the catalog, on hand-written form events and step runs.</summary>
public class FormAndProgramMetricsTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task Form_conversion_per_form_and_page_of_january(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            void Form(string name, string form, string page, string at) => db.Events.Add(new TrackedEvent
            {
                MessageId = Guid.NewGuid().ToString("N"), Type = "track", Name = name, AnonymousId = "a1", Timestamp = At(at), ReceivedAt = At(at),
                Payload = JsonSerializer.Serialize(new { @event = name, properties = new { form_id = form, campaign_id = (string?)null, page } }),
            });
            Form("Form Viewed", "f1", "/a", "2025-12-31 23:00");   // December
            Form("Form Viewed", "f1", "/a", "2026-01-05");
            Form("Form Viewed", "f1", "/a", "2026-01-10");
            Form("Form Submitted", "f1", "/a", "2026-01-10 00:05");
            Form("Form Viewed", "f1", "/a", "2026-01-31 23:59");
            Form("Form Viewed", "f1", "/b", "2026-01-15");
            Form("Form Submitted", "f1", "/b", "2026-01-15 00:02");
            Form("Form Submitted", "f1", "/b", "2026-02-01 00:00");  // February
            Form("Form Viewed", "f2", "/c", "2026-01-20");
            Form("Form Submitted", "f3", "/d", "2026-01-21");       // submitted through the API, never viewed
            await db.SaveChangesAsync();
        }
        var metrics = await LifecycleReportTests.RunAsync(database, "2026-01-01", "2026-02-01");
        var forms = metrics.GetProperty("capture.form_conversion_rate");
        Assert.Equal(["f1", "f2", "f3"], forms.EnumerateObject().Select(f => f.Name));

        // f1 in January: /a views 01-05, 01-10, 01-31 = 3, submissions 1 → 1/3; /b 1 view, 1 submission → 1.
        // Over its pages: 2 submissions / 4 views = 0.5.
        var f1 = forms.GetProperty("f1");
        Assert.Equal((4L, 2L, 0.5), (f1.GetProperty("views").GetInt64(), f1.GetProperty("submissions").GetInt64(), f1.GetProperty("conversion_rate").GetDouble()));
        var pages = f1.GetProperty("pages").EnumerateArray().ToList();
        Assert.Equal(("/a", 3L, 1L), (pages[0].GetProperty("page").GetString(), pages[0].GetProperty("views").GetInt64(), pages[0].GetProperty("submissions").GetInt64()));
        Assert.Equal(1 / 3d, pages[0].GetProperty("conversion_rate").GetDouble(), 12);
        Assert.Equal(("/b", 1L, 1L, 1d), (pages[1].GetProperty("page").GetString(), pages[1].GetProperty("views").GetInt64(),
            pages[1].GetProperty("submissions").GetInt64(), pages[1].GetProperty("conversion_rate").GetDouble()));
        // f2: 0 / 1 = 0; f3: 1 submission over no views has no rate (null), not 0.
        Assert.Equal(0d, forms.GetProperty("f2").GetProperty("conversion_rate").GetDouble());
        Assert.Equal(JsonValueKind.Null, forms.GetProperty("f3").GetProperty("conversion_rate").ValueKind);

        // December alone: f1 /a one view, no submission → 0.
        var december = await LifecycleReportTests.RunAsync(database, "2025-12-01", "2026-01-01");
        var d1 = december.GetProperty("capture.form_conversion_rate").GetProperty("f1");
        Assert.Equal((1L, 0L, 0d), (d1.GetProperty("views").GetInt64(), d1.GetProperty("submissions").GetInt64(), d1.GetProperty("conversion_rate").GetDouble()));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Program_steps_per_program_of_january(string engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            var nurture = new ProgramDefinition
            {
                Id = "nurture", Name = "Nurture",
                Steps = [new() { Id = "mail", Type = "send_email", Next = "pause" }, new() { Id = "pause", Type = "wait", Next = "end", StallAfterDays = 10 }, new() { Id = "end", Type = "exit" }],
            };
            var idle = new ProgramDefinition { Id = "idle", Name = "Idle", Steps = [new() { Id = "only", Type = "exit" }] };
            foreach (var p in new[] { nurture, idle })
                db.Add(new StoredProgram { Id = p.Id!, Name = p.Name!, Status = ProgramStatus.Active, Definition = p.ToJson(), CreatedAt = At("2025-01-01"), UpdatedAt = At("2025-01-01") });
            var enrolment = 0;
            void Run(string step, string entered, string? ended, StepOutcome? outcome) => db.Add(new StepRun
            {
                EnrolmentId = ++enrolment, ProgramId = "nurture", StepId = step, ContactId = $"c{enrolment}", EnteredAt = At(entered),
                EndedAt = ended is null ? null : At(ended), Outcome = outcome,
            });
            Run("mail", "2025-12-30", "2025-12-30", StepOutcome.Completed);  // December: nothing in January
            Run("mail", "2026-01-02", "2026-01-02", StepOutcome.Completed);  // entered, completed
            Run("mail", "2026-01-05", "2026-01-05", StepOutcome.Dropped);    // entered, dropped
            Run("pause", "2025-12-25", null, null);                          // stalls 01-04: stalled, dropped
            Run("pause", "2026-01-03", "2026-01-06", StepOutcome.Completed); // entered, completed
            Run("pause", "2026-01-10", "2026-01-12", StepOutcome.Goal);      // entered, goal
            Run("pause", "2026-01-25", null, null);                          // entered; stalls 02-04
            Run("end", "2026-01-06", "2026-01-06", StepOutcome.Completed);   // entered, completed
            await db.SaveChangesAsync();
        }
        var metrics = await LifecycleReportTests.RunAsync(database, "2026-01-01", "2026-02-01");
        var programs = metrics.GetProperty("nurture.program_steps");
        Assert.Equal(["idle", "nurture"], programs.EnumerateObject().Select(p => p.Name));
        static (string?, int, int, int, int, int) Counts(JsonElement s) => (s.GetProperty("step_id").GetString(), s.GetProperty("entered").GetInt32(),
            s.GetProperty("completed").GetInt32(), s.GetProperty("goal").GetInt32(), s.GetProperty("dropped").GetInt32(), s.GetProperty("stalled").GetInt32());
        // mail: entered 01-02, 01-05 = 2; completed 1; dropped 1. pause: entered 01-03, 01-10, 01-25 = 3; completed 1; goal 1;
        // the 12-25 run stalls on 12-25 + 10 days = 01-04: stalled 1, dropped 1. end: entered 1, completed 1.
        Assert.Equal([("mail", 2, 1, 0, 1, 0), ("pause", 3, 1, 1, 1, 1), ("end", 1, 1, 0, 0, 0)],
            programs.GetProperty("nurture").EnumerateArray().Select(Counts));
        Assert.Equal([("only", 0, 0, 0, 0, 0)], programs.GetProperty("idle").EnumerateArray().Select(Counts));

        // February: the 01-25 run stalls on 02-04 (stalled, dropped); nothing else happens.
        var february = await LifecycleReportTests.RunAsync(database, "2026-02-01", "2026-03-01");
        Assert.Equal([("mail", 0, 0, 0, 0, 0), ("pause", 0, 0, 0, 1, 1), ("end", 0, 0, 0, 0, 0)],
            february.GetProperty("nurture.program_steps").GetProperty("nurture").EnumerateArray().Select(Counts));
    }
}
