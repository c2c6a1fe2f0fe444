using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Access;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scalar.AspNetCore;

namespace Lifecycle.Server;

/// <summary>
/// Builds the web host: REST API, health endpoints, OpenAPI document (/openapi/v1.json) and its reference
/// page (/reference). Each capability maps its own endpoints; this file only wires them.
/// </summary>
public static class LifecycleServer
{
    public static WebApplication Build(string[] args, Database database, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.Equals(builder.Configuration["Lifecycle:LogFormat"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        database = database with { WorkspaceZone = Workspace.From(builder.Configuration).TimeZone };
        builder.Services.AddSingleton(database);
        builder.Services.AddScoped<LifecycleDb>(sp => sp.GetRequiredService<Database>().Open());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Workspace.From(builder.Configuration));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        Dashboard.Dashboard.AddDashboard(builder.Services);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Lifecycle API";
            document.Info.Description = "B2B customer-lifecycle marketing: contacts, accounts, campaigns, costs, deals, subscriptions, NPS and status transitions.";
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection("Lifecycle:Channels").Get<Tracking.ChannelRule[]>() is { Length: > 0 } rules
            ? new Tracking.ChannelMapping(rules)
            : Tracking.ChannelMapping.Default);
        builder.Services.AddSingleton<Tracking.TrackingIngest>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Tracking.TrackingIngest>());
        builder.Services.AddSingleton<Tracking.WriteKeys>();
        Pipeline.PipelineWorker.AddPipeline(builder.Services);
        Email.EmailEndpoints.AddEmail(builder.Services, builder.Configuration);
        Scoring.ScoringWorker.Register(builder.Services, builder.Configuration);
        Programs.ProgramWorker.Register(builder.Services, builder.Configuration);
        Reports.ReportsWorker.Register(builder.Services, builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        Capture.PublicFormEndpoints.AddCapture(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseRateLimiter();

        app.MapOpenApi();
        app.MapScalarApiReference("/reference", o => o.WithTitle("Lifecycle API"));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

        Tracking.TrackingEndpoints.MapTrackingEndpoints(app);
        Tracking.ScriptEndpoint.MapTrackingScript(app);
        Capture.PublicFormEndpoints.MapCapturePages(app);
        Email.EmailEndpoints.MapEmailLinks(app);
        Pipeline.NpsSurveys.MapSurveyPages(app);
        var api = app.MapGroup("/api").RequireAuthorization();
        ApiEndpoints.Map(api);
        Dashboard.Dashboard.MapDashboard(app);
        return app;
    }

    /// <summary>The API speaks the interchange vocabulary: snake_case names, enums as snake_case strings.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }
}

internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancel = default)
    {
        try
        {
            await using var db = database.Open();
            return await db.Database.CanConnectAsync(cancel)
                ? HealthCheckResult.Healthy(database.Engine.ToString())
                : HealthCheckResult.Unhealthy("cannot connect to the database");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("database check failed", e);
        }
    }
}
