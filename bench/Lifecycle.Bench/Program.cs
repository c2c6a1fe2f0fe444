using Lifecycle.Bench;

// Benchmarks are not tests: run them by hand (see BENCHMARKS.md and bench/import.sh).
return args switch
{
    ["plain-events", var folder, var db] => await PlainEventWrite.RunAsync(folder, db),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Lifecycle.Bench plain-events <dataset folder> <db connection string>");
    return 1;
}
