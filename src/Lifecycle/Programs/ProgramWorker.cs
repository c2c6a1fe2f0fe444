using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Programs;

/// <summary>Lifecycle:Programs settings: whether this process runs the worker, how often, how many enrolments a claim takes.</summary>
public sealed record ProgramOptions(bool Worker, TimeSpan PollInterval, int BatchSize, TimeSpan TriggerInterval)
{
    public static ProgramOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Lifecycle:Programs");
        return new ProgramOptions(
            section.GetValue("Worker", true),
            TimeSpan.FromMilliseconds(section.GetValue("PollMilliseconds", 1000)),
            section.GetValue("BatchSize", 100),
            TimeSpan.FromSeconds(section.GetValue("TriggerSeconds", 30)));
    }
}

/// <summary>
/// Runs programs in the background: enrols from triggers every TriggerInterval, and runs due enrolments in
/// claimed batches until none is due, then sleeps PollInterval. Any number of processes may run it on one
/// PostgreSQL database.
/// </summary>
public sealed class ProgramWorker(ProgramRunner runner, ProgramTriggers triggers, ProgramOptions options, ILogger<ProgramWorker> log) : BackgroundService
{
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var options = ProgramOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton<ProgramRunner>();
        services.AddSingleton<ProgramTriggers>();
        if (options.Worker) services.AddHostedService<ProgramWorker>();
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var lastSweep = long.MinValue / 2;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (Environment.TickCount64 - lastSweep >= options.TriggerInterval.TotalMilliseconds)
                {
                    await triggers.SweepAsync(stop);
                    lastSweep = Environment.TickCount64;
                }
                while (await runner.RunOnceAsync(options.BatchSize, stop) > 0) { }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                log.LogError(e, "program work failed; retrying after the poll interval");
            }
            try { await Task.Delay(options.PollInterval, stop); } catch (OperationCanceledException) { return; }
        }
    }
}
