using Lifecycle.Contacts;
using Lifecycle.Programs;
using Lifecycle.Segments;
using Lifecycle.Server;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Lifecycle.Tests.Programs;

public class ProgramTriggerTests
{
    private static StoredProgram Program(string id, EntryTrigger trigger, DateTime at) => new()
    {
        Id = id, Name = id, Status = ProgramStatus.Active, CreatedAt = at, UpdatedAt = at,
        Definition = new ProgramDefinition
        {
            Id = id, Name = id, Status = ProgramStatus.Active, Triggers = [trigger],
            Steps = [new() { Id = "hold", Type = "wait", Duration = "P30D", Next = "end" }, new() { Id = "end", Type = "exit" }],
        }.ToJson(),
    };

    private static TrackedEvent Event(string contact, string name, DateTime at) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"), Type = "track", Name = name, ContactId = contact, UserId = contact, Timestamp = at, ReceivedAt = at, Payload = "{}",
    };

    private static async Task<List<string>> Enrolled(TestDatabase database, string program)
    {
        await using var db = database.Database.Open();
        return await db.Set<Enrolment>().Where(e => e.ProgramId == program).OrderBy(e => e.ContactId).Select(e => e.ContactId).ToListAsync();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Each_trigger_enrols_the_contacts_it_names_once(string engine)
    {
        var t0 = DateTime.Parse("2026-11-30T10:00:00Z").ToUniversalTime();
        var clock = new FakeTimeProvider(new DateTimeOffset(t0));
        await using var database = await TestDatabase.CreateAsync(engine);
        await using (var db = database.Database.Open())
        {
            db.AddRange(
                Program("webinar", new("event", Event: "Webinar Registered"), t0),
                Program("recycle", new("recycled", Reason: "not ready"), t0),
                Program("trial", new("missed_action", Event: "Trial Started", Missing: "Demo Requested", WithinDays: 3), t0),
                Program("birthday", new("date", Field: "birthday", OffsetDays: 0), t0),
                Program("japan", new("segment", Segment: "country = 'JP'"), t0));
            foreach (var id in new[] { "e1", "r1", "m1", "m2", "m3", "s2" })
                db.Contacts.Add(new Contact { Id = id, Email = $"{id}@triggers.example", Status = ContactStatus.Lead, Country = "US", CreatedAt = t0.AddDays(-10) });
            db.Contacts.Add(new Contact { Id = "s1", Email = "s1@triggers.example", Status = ContactStatus.Lead, Country = "JP", CreatedAt = t0.AddDays(-10) });
            db.Contacts.Add(new Contact { Id = "b1", Email = "b1@triggers.example", Birthday = new DateOnly(1990, 12, 3), CreatedAt = t0.AddDays(-10) });
            db.Contacts.Add(new Contact { Id = "b2", Email = "b2@triggers.example", Birthday = new DateOnly(1990, 12, 4), CreatedAt = t0.AddDays(-10) });
            await db.SaveChangesAsync();
        }
        var triggers = new ProgramTriggers(database.Database, clock, Workspace.Default);
        // The first sweep places the cursors at now (history before it does not enrol) and enrols the segment's member s1.
        Assert.Equal(1, await triggers.SweepAsync(default));
        Assert.Equal(["s1"], await Enrolled(database, "japan"));

        await using (var db = database.Database.Open())
        {
            // e1 registers for the webinar; r1 becomes an MQL and sales reject it as not ready (the queue's reason text).
            db.Events.Add(Event("e1", "Webinar Registered", t0.AddMinutes(1)));
            var r1 = await db.Contacts.FirstAsync(c => c.Id == "r1");
            await StatusChanges.ChangeAsync(db, r1, ContactStatus.Mql, t0.AddMinutes(1), null, "api");
            await db.SaveChangesAsync();
            await StatusChanges.ChangeAsync(db, r1, ContactStatus.Recycled, t0.AddMinutes(2), "not ready: budget next quarter", "api");
            // Trial Started: m1 never asks for a demo; m2 asks two days later; m3 starts a day later (deadline not yet passed).
            db.Events.AddRange(Event("m1", "Trial Started", t0.AddHours(1)), Event("m2", "Trial Started", t0.AddHours(1)),
                Event("m2", "Demo Requested", t0.AddDays(2)), Event("m3", "Trial Started", t0.AddDays(1)));
            await db.SaveChangesAsync();
        }

        // Three days and two hours later (2026-12-03 12:00 UTC): m1's deadline (12-03 11:00) has passed, m3's (12-04 10:00) has not;
        // it is b1's birthday (3 December), not b2's.
        clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromHours(2));
        // e1, r1, m1, b1; s1 is still active in "japan".
        Assert.Equal(4, await triggers.SweepAsync(default));
        Assert.Equal(["e1"], await Enrolled(database, "webinar"));
        Assert.Equal(["r1"], await Enrolled(database, "recycle"));
        Assert.Equal(["m1"], await Enrolled(database, "trial"));
        Assert.Equal(["b1"], await Enrolled(database, "birthday"));
        Assert.Equal(["s1"], await Enrolled(database, "japan"));

        // The same day again: nothing new (cursors moved on, birthdays once a day, actives not enrolled twice).
        Assert.Equal(0, await triggers.SweepAsync(default));
        // A day later m3's deadline has passed and b2 has its birthday.
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, await triggers.SweepAsync(default));
        Assert.Equal(["m1", "m3"], await Enrolled(database, "trial"));
        Assert.Equal(["b1", "b2"], await Enrolled(database, "birthday"));
    }

    /// <summary>
    /// A segment trigger may name a saved segment (by name or id) instead of carrying a definition; its definition
    /// is read at each sweep, so editing the saved segment changes who enters, and a deleted one enrols nobody.
    /// </summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task A_saved_segment_trigger_enrols_its_current_members(string engine)
    {
        var t0 = DateTime.Parse("2026-11-30T10:00:00Z").ToUniversalTime();
        var clock = new FakeTimeProvider(new DateTimeOffset(t0));
        await using var database = await TestDatabase.CreateAsync(engine);
        long germany;
        await using (var db = database.Database.Open())
        {
            db.Add(new Segment { Name = "Japan", Definition = "country = 'JP'", CreatedAt = t0 });
            var segment = new Segment { Name = "Germany", Definition = "country = 'DE'", CreatedAt = t0 };
            db.Add(segment);
            await db.SaveChangesAsync();
            germany = segment.Id;
            db.AddRange(
                Program("by-name", new("segment", SavedSegment: "Japan"), t0),
                Program("by-id", new("segment", SavedSegment: germany.ToString(System.Globalization.CultureInfo.InvariantCulture)), t0));
            foreach (var (id, country) in new[] { ("jp1", "JP"), ("de1", "DE"), ("us1", "US") })
                db.Contacts.Add(new Contact { Id = id, Email = $"{id}@saved.example", Status = ContactStatus.Lead, Country = country, CreatedAt = t0 });
            await db.SaveChangesAsync();
        }
        var triggers = new ProgramTriggers(database.Database, clock, Workspace.Default);
        // jp1 enters by the segment's name, de1 by the other's id.
        Assert.Equal(2, await triggers.SweepAsync(default));
        Assert.Equal(["jp1"], await Enrolled(database, "by-name"));
        Assert.Equal(["de1"], await Enrolled(database, "by-id"));

        await using (var db = database.Database.Open())
        {
            (await db.Set<Segment>().FirstAsync(s => s.Name == "Japan")).Definition = "country = 'US'";
            db.Remove(await db.Set<Segment>().FirstAsync(s => s.Id == germany));
            await db.SaveChangesAsync();
        }
        clock.Advance(TimeSpan.FromMinutes(1));
        // The edited definition takes us1 (jp1 stays, still active); the deleted segment enrols nobody and breaks nothing.
        Assert.Equal(1, await triggers.SweepAsync(default));
        Assert.Equal(["jp1", "us1"], await Enrolled(database, "by-name"));
        Assert.Equal(["de1"], await Enrolled(database, "by-id"));
    }
}
