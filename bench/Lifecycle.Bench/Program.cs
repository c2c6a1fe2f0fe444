using System.Globalization;
using Lifecycle.Bench;

// Benchmarks are not tests: run them by hand (see BENCHMARKS.md, bench/import.sh and bench/tracking.sh).
return args switch
{
    ["plain-events", var folder, var db] => await PlainEventWrite.RunAsync(folder, db),
    ["tracking-load", var url, var key, var rate, var seconds] => await TrackingLoad.RunAsync(url, key, Number(rate), Number(seconds), null),
    ["tracking-load", var url, var key, var rate, var seconds, var acked] => await TrackingLoad.RunAsync(url, key, Number(rate), Number(seconds), acked),
    ["sample-events", var file, var count] => TrackingLoad.WriteSample(file, (int)Number(count)),
    ["email-send", var smtp, var db, var count, var connections] => await EmailSend.RunAsync(smtp, db, (int)Number(count), (int)Number(connections)),
    ["attribution"] => AttributionBench.Run(null, 5),
    ["attribution", var paths] => AttributionBench.Run(paths, 5),
    ["scoring-one-event", var db, var runs] => await ScoringBench.OneEventAsync(db, (int)Number(runs)),
    ["scoring-rescore", var db] => await ScoringBench.FullRescoreAsync(db),
    ["scoring", var db, var contacts, var events] => await ScoringBench.RunAsync(db, (int)Number(contacts), (int)Number(events)),
    ["program-lateness", var db, var enrolments, var due, var workers, var poll] => await ProgramLateness.RunAsync(db, (int)Number(enrolments), (int)Number(due), (int)Number(workers), (int)Number(poll)),
    ["dashboard", var url, var email, var password, var runs] => await DashboardFirstByte.RunAsync(url, email, password, (int)Number(runs)),
    ["reports-baseline", var db, var first, var months, var runs] => await ReportsBaseline.RunAsync(db, first, (int)Number(months), (int)Number(runs)),
    ["reports-scale", var db, var month, var first, var months, var runs] => await ReportsScale.RunAsync(db, month, first, (int)Number(months), (int)Number(runs)),
    ["seed", .. var arguments] => await DemoSeed.RunAsync(arguments),
    ["sqlite-binding"] => SqliteBinding.Run(),
    _ => Usage(),
};

static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Lifecycle.Bench plain-events <dataset folder> <db connection string>
               Lifecycle.Bench tracking-load <base url> <write key> <requests per second> <seconds> [acked ids file]
               Lifecycle.Bench sample-events <file.jsonl> <count>
               Lifecycle.Bench email-send <smtp host:port> <db connection string> <messages> <connections>
               Lifecycle.Bench attribution [<path file>]
               Lifecycle.Bench scoring <db connection string> <contacts> <events>
               Lifecycle.Bench scoring-one-event <db connection string> <runs>
               Lifecycle.Bench scoring-rescore <db connection string>
               Lifecycle.Bench program-lateness <postgres connection string> <enrolments> <due> <runners> <poll ms>
               Lifecycle.Bench dashboard <base url> <e-mail> <password> <runs per page>
               Lifecycle.Bench reports-baseline <db connection string> <first month YYYY-MM> <months> <runs>
               Lifecycle.Bench reports-scale <db connection string> <closed month YYYY-MM> <first month YYYY-MM> <months> <runs>
               Lifecycle.Bench sqlite-binding
               Lifecycle.Bench seed <db connection string> <contacts> <months> <seed> [<until YYYY-MM>]   (seed compare <imported db> <seeded db>)
        """);
    return 1;
}
