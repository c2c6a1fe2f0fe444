using Lifecycle.Experiments;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Email;
using Lifecycle.Programs;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Lifecycle.Tests.Programs;

public class ProgramApiTests
{
    internal static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static Task<RunningServer> StartAsync(string engine, FakeTimeProvider clock) =>
        RunningServer.StartAsync(engine, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Lifecycle:Email:FromAddress"] = "news@programs.example",
                ["Lifecycle:Email:PostalAddress"] = "1 Main St",
                ["Lifecycle:Email:PublicBaseUrl"] = "http://127.0.0.1:1",
                ["Lifecycle:Email:SigningKey"] = "programs-tests",
            });
        });

    internal static EmailTemplate Template(string id) => new()
    {
        Id = id, Name = id, DefaultLanguage = "en", Variants = [new("en", $"{id} {{{{ contact.first_name }}}}", "<p>Hello</p>", "Hello")],
    };

    private static readonly object Nurture = new
    {
        id = "trial", name = "Trial nurture", re_entry = new { rule = "never" },
        steps = new object[]
        {
            new { id = "welcome", type = "send_email", template_id = "welcome", next = "pause" },
            new { id = "pause", type = "wait", duration = "P2D", next = "demo" },
            new { id = "demo", type = "branch", @event = "Demo Requested", yes = "qualify", no = "remind" },
            new { id = "qualify", type = "change_status", status = "mql", reason = "asked for a demo while nurtured", next = "done" },
            new { id = "remind", type = "send_email", template_id = "reminder", next = "done" },
            new { id = "done", type = "exit" },
        },
    };

    [Theory, ClassData(typeof(Engines))]
    public async Task A_program_runs_contacts_through_its_steps_and_counts_them(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock);
        var api = server.Client;
        await using (var db = server.Database.Database.Open())
        {
            db.AddRange(Template("welcome"), Template("reminder"));
            db.Add(new Suppression { Email = "gone@programs.example", Reason = SuppressionReason.Unsubscribed, At = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        }
        foreach (var (id, email) in new[] { ("c1", "ana@programs.example"), ("c2", "bo@programs.example"), ("c3", "gone@programs.example") })
            await Expect(await api.PostAsJsonAsync("/api/contacts", new { id, email, first_name = id, status = "lead" }), HttpStatusCode.Created);

        // A broken graph is refused with the step and field named.
        var broken = await Expect(await api.PostAsJsonAsync("/api/programs", new
        {
            id = "broken", name = "Broken",
            steps = new object[] { new { id = "a", type = "send_email", template_id = "nope", next = "b" } },
        }), HttpStatusCode.BadRequest);
        Assert.Equal("no step 'b'", broken.GetProperty("errors").GetProperty("steps.a.next")[0].GetString());
        Assert.Equal("no e-mail template 'nope'", broken.GetProperty("errors").GetProperty("steps.a.template_id")[0].GetString());

        await Expect(await api.PostAsJsonAsync("/api/programs", Nurture), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/programs", Nurture), HttpStatusCode.Conflict);
        var draft = await Expect(await api.PostAsJsonAsync("/api/programs/trial/enrolments", new { contact_id = "c1" }), HttpStatusCode.Conflict);
        Assert.Contains("draft", draft.GetProperty("detail").GetString());
        var active = await Expect(await api.PostAsync("/api/programs/trial/activate", null), HttpStatusCode.OK);
        Assert.Equal("active", active.GetProperty("status").GetString());

        foreach (var id in new[] { "c1", "c2", "c3" })
        {
            var enrolment = await Expect(await api.PostAsJsonAsync("/api/programs/trial/enrolments", new { contact_id = id }), HttpStatusCode.Created);
            Assert.Equal("welcome", enrolment.GetProperty("current_step_id").GetString());
        }
        var twice = await Expect(await api.PostAsJsonAsync("/api/programs/trial/enrolments", new { contact_id = "c1" }), HttpStatusCode.Conflict);
        Assert.Contains("already active", twice.GetProperty("detail").GetString());
        await Expect(await api.PostAsJsonAsync("/api/programs/trial/enrolments", new { contact_id = "nobody" }), HttpStatusCode.NotFound);

        var runner = server.Services.GetRequiredService<ProgramRunner>();
        Assert.Equal(3, await runner.RunOnceAsync(100, default));
        Assert.Equal(0, await runner.RunOnceAsync(100, default)); // c1 and c2 wait two days; c3 has left

        // c1 asks for a demo a day later; two days after the welcome both waits end.
        await using (var db = server.Database.Database.Open())
        {
            db.Events.Add(new TrackedEvent
            {
                MessageId = "demo-c1", Type = "track", Name = "Demo Requested", ContactId = "c1", UserId = "c1",
                Timestamp = DateTime.Parse("2026-11-26T10:00:00Z").ToUniversalTime(), ReceivedAt = DateTime.Parse("2026-11-26T10:00:00Z").ToUniversalTime(), Payload = "{}",
            });
            await db.SaveChangesAsync();
        }
        clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await runner.RunOnceAsync(100, default));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, await runner.RunOnceAsync(100, default));

        await using (var db = server.Database.Database.Open())
        {
            var sent = await db.Set<EmailMessage>().Where(m => m.ProgramId == "trial").OrderBy(m => m.ContactId).ThenBy(m => m.CreatedAt)
                .Select(m => m.ContactId + ":" + m.StepId).ToListAsync();
            Assert.Equal(["c1:welcome", "c2:welcome", "c2:remind"], sent);
            var transition = await db.Transitions.Where(t => t.ContactId == "c1").OrderByDescending(t => t.Id).FirstAsync();
            Assert.Equal("program:trial", transition.Actor);
            Assert.Equal("mql", transition.ToStatus.ToString().ToLowerInvariant());
            var states = (await db.Set<Enrolment>().OrderBy(e => e.ContactId).ToListAsync()).Select(e => $"{e.ContactId}:{e.State}").ToList();
            Assert.Equal(["c1:Completed", "c2:Completed", "c3:Dropped"], states);
        }

        // Per step, all time: welcome entered 3 (c1, c2 completed; c3 dropped as unsubscribed); pause and demo 2;
        // qualify 1 (c1); remind 1 (c2); done 2. Nobody is in a step now.
        var program = await Expect(await api.GetAsync("/api/programs/trial"), HttpStatusCode.OK);
        var steps = program.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!,
            s => (s.GetProperty("active").GetInt32(), s.GetProperty("entered").GetInt32(), s.GetProperty("completed").GetInt32(), s.GetProperty("goal").GetInt32(), s.GetProperty("dropped").GetInt32()));
        Assert.Equal((0, 3, 2, 0, 1), steps["welcome"]);
        Assert.Equal((0, 2, 2, 0, 0), steps["pause"]);
        Assert.Equal((0, 2, 2, 0, 0), steps["demo"]);
        Assert.Equal((0, 1, 1, 0, 0), steps["qualify"]);
        Assert.Equal((0, 1, 1, 0, 0), steps["remind"]);
        Assert.Equal((0, 2, 2, 0, 0), steps["done"]);

        // The same in nurture.program_steps for November (every run entered and ended 25–27 November).
        var month = await Expect(await api.GetAsync("/api/programs/trial/steps?month=2026-11"), HttpStatusCode.OK);
        var welcome = month.GetProperty("steps")[0];
        Assert.Equal(("welcome", 3, 2, 0, 1, 0), (welcome.GetProperty("step_id").GetString(), welcome.GetProperty("entered").GetInt32(), welcome.GetProperty("completed").GetInt32(),
            welcome.GetProperty("goal").GetInt32(), welcome.GetProperty("dropped").GetInt32(), welcome.GetProperty("stalled").GetInt32()));
        var october = await Expect(await api.GetAsync("/api/programs/trial/steps?month=2026-10"), HttpStatusCode.OK);
        Assert.All(october.GetProperty("steps").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("entered").GetInt32()));
        var bad = await Expect(await api.GetAsync("/api/programs/trial/steps?month=November"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("month", out _));

        // Re-entry "never": a contact that finished cannot enter again.
        var again = await Expect(await api.PostAsJsonAsync("/api/programs/trial/enrolments", new { contact_id = "c2" }), HttpStatusCode.Conflict);
        Assert.Contains("re-entry rule is never", again.GetProperty("detail").GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_goal_ends_a_waiting_enrolment_and_a_split_arm_holds_on_a_rerun(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock);
        var api = server.Client;
        foreach (var id in new[] { "g1", "g2" })
            await Expect(await api.PostAsJsonAsync("/api/contacts", new { id, email = $"{id}@programs.example", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/programs", new
        {
            id = "mql", name = "Until MQL", status = "active", re_entry = new { rule = "always" },
            steps = new object[]
            {
                new { id = "split", type = "ab_split", variants = new[] { new { name = "a", weight = 1, next = "tag_a" }, new { name = "b", weight = 1, next = "tag_b" } } },
                new { id = "tag_a", type = "update_field", field = "custom.arm", value = "a", next = "wait" },
                new { id = "tag_b", type = "update_field", field = "custom.arm", value = "b", next = "wait" },
                new { id = "wait", type = "wait", duration = "P7D", next = "became_mql" },
                new { id = "became_mql", type = "goal", condition = "status = 'mql'", next = "end" },
                new { id = "end", type = "exit" },
            },
        }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/programs/mql/enrolments", new { contact_id = "g1" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/programs/mql/enrolments", new { contact_id = "g2" }), HttpStatusCode.Created);
        var runner = server.Services.GetRequiredService<ProgramRunner>();
        // A paused program keeps its contacts where they are; they move on once it is active again.
        var paused = await Expect(await api.PostAsync("/api/programs/mql/pause", null), HttpStatusCode.OK);
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Equal(0, await runner.RunOnceAsync(100, default));
        await Expect(await api.PostAsync("/api/programs/mql/activate", null), HttpStatusCode.OK);
        Assert.Equal(2, await runner.RunOnceAsync(100, default));

        // g1 becomes an MQL while it waits; at the end of the wait the goal holds and it leaves on the goal.
        await Expect(await api.PostAsJsonAsync("/api/contacts/g1/status", new { to = "mql" }), HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(2, await runner.RunOnceAsync(100, default));

        await using var db = server.Database.Database.Open();
        var enrolments = await db.Set<Enrolment>().OrderBy(e => e.ContactId).ToListAsync();
        Assert.Equal([EnrolmentState.Goal, EnrolmentState.Completed], enrolments.Select(e => e.State));
        var g1Runs = (await db.Set<StepRun>().Where(r => r.ContactId == "g1").OrderBy(r => r.Id).ToListAsync()).Select(r => $"{r.StepId}:{r.Outcome}").ToList();
        Assert.Equal(4, g1Runs.Count); // split, its arm, wait, goal
        Assert.Equal("wait:Goal", g1Runs[2]);
        Assert.Equal("became_mql:Goal", g1Runs[3]);
        // The arm recorded on the contact is the one the hash gives; a second enrolment (re-entry always) takes it again.
        var contacts = await db.Contacts.AsNoTracking().OrderBy(c => c.Id).ToListAsync();
        foreach (var contact in contacts)
            Assert.Equal(VariantAssignment.Assign("mql:split", contact.Id, [1, 1]) == 0 ? "a" : "b", contact.Custom["arm"]);
        await Expect(await api.PostAsJsonAsync("/api/programs/mql/enrolments", new { contact_id = "g2" }), HttpStatusCode.Created);
        Assert.Equal(1, await runner.RunOnceAsync(100, default));
        var arms = await db.Set<StepRun>().AsNoTracking().Where(r => r.ContactId == "g2" && r.StepId.StartsWith("tag_")).Select(r => r.StepId).ToListAsync();
        Assert.Equal(2, arms.Count);
        Assert.Single(arms.Distinct());
    }

    /// <summary>A segment trigger naming a saved segment is checked when the program is saved: the field is named.</summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task A_segment_trigger_must_name_an_existing_saved_segment(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock);
        await using (var db = server.Database.Database.Open())
        {
            db.Add(new Lifecycle.Segments.Segment { Name = "Japan", Definition = "country = 'JP'", CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        }
        object Program(string id, object trigger) => new
        {
            id, name = id, triggers = new[] { trigger }, steps = new object[] { new { id = "end", type = "exit" } },
        };

        var missing = await Expect(await server.Client.PostAsJsonAsync("/api/programs",
            Program("nowhere", new { type = "segment", saved_segment = "Nowhere" })), HttpStatusCode.BadRequest);
        Assert.Equal("no saved segment named 'Nowhere' or with that id",
            missing.GetProperty("errors").GetProperty("triggers[0].saved_segment")[0].GetString());
        var both = await Expect(await server.Client.PostAsJsonAsync("/api/programs",
            Program("both", new { type = "segment", segment = "country = 'JP'", saved_segment = "Japan" })), HttpStatusCode.BadRequest);
        Assert.Equal("give either segment (a definition) or saved_segment, not both",
            both.GetProperty("errors").GetProperty("triggers[0].segment")[0].GetString());

        var saved = await Expect(await server.Client.PostAsJsonAsync("/api/programs",
            Program("japan", new { type = "segment", saved_segment = "Japan" })), HttpStatusCode.Created);
        Assert.Equal("Japan", saved.GetProperty("definition").GetProperty("triggers")[0].GetProperty("saved_segment").GetString());
    }
}
