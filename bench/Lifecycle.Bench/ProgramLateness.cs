using System.Diagnostics;
using Lifecycle.Email;
using Lifecycle.Programs;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Database = Lifecycle.Storage.Database;

namespace Lifecycle.Bench;

/// <summary>
/// How late a due program step runs with many active enrolments (PostgreSQL). Seeds one program (wait P1D → exit)
/// and N enrolments waiting in it: all but D are due in 30 days; D fall due spread evenly over the next 60 s.
/// W runners (as in W server processes) poll every P ms and claim batches of 100 like the ProgramWorker. Lateness
/// of an enrolment = the instant its wait's run was taken up (its step run's ended_at) − its due_at.
/// </summary>
internal static class ProgramLateness
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string db, int enrolments, int due, int workers, int pollMilliseconds)
    {
        var database = Database.Parse(db);
        if (database.Engine != DatabaseEngine.Postgres)
        {
            Console.Error.WriteLine("program-lateness seeds with generate_series: give it a PostgreSQL connection string");
            return 1;
        }
        await database.MigrateAsync();
        var seeding = Stopwatch.StartNew();
        DateTime start;
        await using (var ef = database.Open())
        {
            ef.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
            await ef.Database.ExecuteSqlRawAsync("DELETE FROM program_step_runs WHERE program_id = 'bench'; DELETE FROM program_enrolments WHERE program_id = 'bench'; DELETE FROM programs WHERE id = 'bench'");
            var program = new ProgramDefinition
            {
                Id = "bench", Name = "Lateness bench", Status = ProgramStatus.Active,
                Steps = [new() { Id = "pause", Type = "wait", Duration = "P1D", Next = "end" }, new() { Id = "end", Type = "exit" }],
            };
            ef.Add(new StoredProgram { Id = "bench", Name = "Lateness bench", Status = ProgramStatus.Active, Definition = program.ToJson(), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await ef.SaveChangesAsync();
            var contacts = "INSERT INTO contacts (id, email, created_at, consent, custom) "
                + "SELECT 'bench' || g, 'bench' || g || '@bench.example', now(), false, '{{}}' FROM generate_series(1, " + enrolments + ") g ON CONFLICT DO NOTHING";
            await ef.Database.ExecuteSqlRawAsync(contacts);
            var waiting = "INSERT INTO program_enrolments (program_id, contact_id, state, current_step_id, visit, waiting, due_at, trigger, entered_at) "
                + "SELECT 'bench', 'bench' || g, 'active', 'pause', 1, true, now() + interval '30 days', 'api', now() FROM generate_series(1, " + enrolments + ") g";
            await ef.Database.ExecuteSqlRawAsync(waiting);
            await ef.Database.ExecuteSqlRawAsync("ANALYZE program_enrolments");
            // The first D contacts fall due from 5 s after seeding, one every 60 s / D.
            start = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            var spacing = (Window.TotalSeconds / Math.Max(1, due)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var falling = "UPDATE program_enrolments SET due_at = {0} + (substring(contact_id from 6)::int * " + spacing + ") * interval '1 second' "
                + "WHERE program_id = 'bench' AND substring(contact_id from 6)::int <= " + due;
            await ef.Database.ExecuteSqlRawAsync(falling, start);
        }
        Console.WriteLine($"seeded {enrolments:N0} active enrolments ({due:N0} falling due over {Window.TotalSeconds:N0} s) in {seeding.Elapsed.TotalSeconds:N1} s");

        var options = Options.Create(new EmailOptions());
        var delivery = new EmailDelivery(database, options, TimeProvider.System, NullLogger<EmailDelivery>.Instance);
        using var stop = new CancellationTokenSource();
        var claims = new long[workers];
        var runners = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var runner = new ProgramRunner(database, TimeProvider.System, new EmailOutbox(options, TimeProvider.System, delivery), Workspace.Default, NullLogger<ProgramRunner>.Instance);
            while (!stop.IsCancellationRequested)
            {
                var claimed = await runner.RunOnceAsync(100, default);
                claims[w] += claimed;
                if (claimed == 0)
                    try { await Task.Delay(pollMilliseconds, stop.Token); } catch (OperationCanceledException) { }
            }
        })).ToList();

        var deadline = start + Window + TimeSpan.FromMinutes(5);
        List<double> lateness;
        while (true)
        {
            await Task.Delay(2000);
            await using var ef = database.Open();
            var done = await ef.Set<Enrolment>().CountAsync(e => e.ProgramId == "bench" && e.State == EnrolmentState.Completed);
            if (done >= due || DateTime.UtcNow > deadline)
            {
                lateness = await ef.Database.SqlQuery<double>($"""
                    SELECT EXTRACT(EPOCH FROM (r.ended_at - e.due_at)) * 1000 AS "Value"
                    FROM program_step_runs r JOIN program_enrolments e ON e.id = r.enrolment_id
                    WHERE r.program_id = 'bench' AND r.step_id = 'pause'
                    """).ToListAsync();
                break;
            }
        }
        stop.Cancel();
        await Task.WhenAll(runners);
        lateness.Sort();
        double Percentile(double p) => lateness.Count == 0 ? double.NaN : lateness[Math.Min(lateness.Count - 1, (int)Math.Ceiling(p * lateness.Count) - 1)];
        Console.WriteLine($"{workers} runners, poll {pollMilliseconds} ms: {lateness.Count:N0} of {due:N0} due steps ran; claims per runner {string.Join(", ", claims)}");
        Console.WriteLine($"lateness ms: p50 {Percentile(0.50):N0}, p99 {Percentile(0.99):N0}, max {(lateness.Count == 0 ? double.NaN : lateness[^1]):N0}");
        return lateness.Count == due ? 0 : 2;
    }
}
