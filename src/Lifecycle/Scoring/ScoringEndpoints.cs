using System.Globalization;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Lifecycle.Scoring;

public sealed record ModelVersionView(int Version, DateTime CreatedAt, DateTime? ActivatedAt, bool Current, ScoringModel Model);

public sealed record ScoreView(string ContactId, int ModelVersion, DateTime At, double Fit, double Engagement, double Total);

public sealed record ExplanationView(string ContactId, int ModelVersion, DateTime At, double Fit, double Engagement, double Total,
    IReadOnlyList<RuleView> Rules);

/// <summary>A rule's share: points as awarded (net), value at the instant (engagement decayed), how many changes.</summary>
public sealed record RuleView(string RuleId, ScoreKind Kind, int Points, double Value, int Changes);

public sealed record DriverView(ScoreKind Kind, long Points, int ContactsWith, double? MqlRateWith, int ContactsWithout, double? MqlRateWithout);

/// <summary>Scoring models (versions, rescore), a contact's score now or at an instant and its explanation, score drivers.</summary>
public static class ScoringEndpoints
{
    public static void MapScoringEndpoints(this RouteGroupBuilder api)
    {
        var scoring = api.MapGroup("/scoring").WithTags("Scoring");
        scoring.MapGet("/models", ListModels).WithSummary("Scoring model versions, newest first; the current one is flagged");
        scoring.MapGet("/models/current", Current).WithSummary("The model scoring runs on now");
        scoring.MapGet("/models/{version:int}", GetModel).WithSummary("One model version");
        scoring.MapPost("/models", CreateModel).WithSummary("Store a new model version (400 naming each bad field); it becomes current when rescored");
        scoring.MapPost("/models/{version:int}/rescore", Rescore).WithSummary("Score everyone again under this version and make it current");
        scoring.MapGet("/drivers", Drivers).WithSummary("nurture.score_drivers: points per rule in [from, to) and the MQL rate of contacts with and without it");
        api.MapGet("/contacts/{id}/score", ScoreOf).WithTags("Scoring").WithSummary("A contact's score now, or at an instant (?at=)");
        api.MapGet("/contacts/{id}/score/explanation", Explain).WithTags("Scoring").WithSummary("A contact's score rule by rule, now or at an instant (?at=)");
    }

    private static async Task<IResult> ListModels(LifecycleDb db, TimeProvider clock)
    {
        var (current, _) = await ScoringModels.CurrentAsync(db, clock, default);
        var rows = await db.Set<ScoringModelVersion>().AsNoTracking().OrderByDescending(m => m.Version).ToListAsync();
        return TypedResults.Ok(rows.Select(r => View(r, current)));
    }

    private static async Task<IResult> Current(LifecycleDb db, TimeProvider clock)
    {
        var (current, _) = await ScoringModels.CurrentAsync(db, clock, default);
        return TypedResults.Ok(View(await db.Set<ScoringModelVersion>().AsNoTracking().FirstAsync(m => m.Version == current), current));
    }

    private static async Task<IResult> GetModel(LifecycleDb db, TimeProvider clock, int version)
    {
        var (current, _) = await ScoringModels.CurrentAsync(db, clock, default);
        return await db.Set<ScoringModelVersion>().AsNoTracking().FirstOrDefaultAsync(m => m.Version == version) is { } row
            ? TypedResults.Ok(View(row, current))
            : Validation.NotFound("scoring model version", version.ToString(CultureInfo.InvariantCulture));
    }

    private static ModelVersionView View(ScoringModelVersion row, int current) =>
        new(row.Version, row.CreatedAt, row.ActivatedAt, row.Version == current, ScoringModel.FromJson(row.Definition));

    internal static async Task<IResult> CreateModel(LifecycleDb db, TimeProvider clock, JsonElement body)
    {
        var check = new Validation();
        ScoringModel? model = null;
        try
        {
            model = body.Deserialize<ScoringModel>(ScoringModel.Json);
        }
        catch (JsonException e)
        {
            check.Add(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "model", e.Message);
        }
        if (model is null && check.Ok) check.Add("model", "required");
        if (model is not null)
        {
            model = model with { Fit = model.Fit ?? [], Engagement = model.Engagement ?? [] };
            foreach (var (field, reasons) in model.Problems())
                foreach (var reason in reasons) check.Add(field, reason);
        }
        if (!check.Ok) return check.Problem();
        var row = await ScoringModels.AddAsync(db, model!, clock, default);
        var (current, _) = await ScoringModels.CurrentAsync(db, clock, default);
        return TypedResults.Created($"/api/scoring/models/{row.Version}", View(row, current));
    }

    /// <summary>
    /// Runs to the end even when the caller goes away (a proxy's timeout, a closed tab): at a million contacts a rescore
    /// takes minutes, and stopping it half-way only wastes them. Only the server stopping cancels it.
    /// </summary>
    private static async Task<IResult> Rescore(LifecycleDb db, ScoringWorker worker, IHostApplicationLifetime lifetime, int version, CancellationToken cancel)
    {
        if (!await db.Set<ScoringModelVersion>().AnyAsync(m => m.Version == version, cancel))
            return Validation.NotFound("scoring model version", version.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(await worker.RescoreAsync(version, lifetime.ApplicationStopping));
    }

    private static async Task<IResult> ScoreOf(LifecycleDb db, TimeProvider clock, string id, string? at)
    {
        if (await Load(db, clock, id, at) is not { } loaded) return await Missing(db, id, at);
        var score = Scorer.ScoreAt(loaded.Changes, loaded.At);
        return TypedResults.Ok(new ScoreView(id, loaded.Version, loaded.At, Round(score.Fit), Round(score.Engagement), Round(score.Total)));
    }

    private static async Task<IResult> Explain(LifecycleDb db, TimeProvider clock, string id, string? at)
    {
        if (await Load(db, clock, id, at) is not { } loaded) return await Missing(db, id, at);
        var score = Scorer.ScoreAt(loaded.Changes, loaded.At);
        var rules = Scorer.Explain(loaded.Changes, loaded.At).Select(r => new RuleView(r.RuleId, r.Kind, r.Points, Round(r.Value), r.Changes)).ToList();
        return TypedResults.Ok(new ExplanationView(id, loaded.Version, loaded.At, Round(score.Fit), Round(score.Engagement), Round(score.Total), rules));
    }

    private sealed record Loaded(int Version, DateTime At, List<ScoreChange> Changes);

    private static async Task<Loaded?> Load(LifecycleDb db, TimeProvider clock, string id, string? at)
    {
        var instant = clock.GetUtcNow().UtcDateTime;
        if (at is not null)
        {
            if (!TryInstant(at, out instant)) return null;
        }
        if (!await db.Contacts.AnyAsync(c => c.Id == id)) return null;
        var (version, _) = await ScoringModels.CurrentAsync(db, clock, default);
        return new Loaded(version, instant, await ScoringModels.ChangesAsync(db, id, version, instant, default));
    }

    private static async Task<IResult> Missing(LifecycleDb db, string id, string? at)
    {
        if (at is not null && !TryInstant(at, out _))
        {
            var check = new Validation();
            check.Add("at", $"'{at}' is not an instant (ISO 8601 with an offset or Z, or a date YYYY-MM-DD)");
            return check.Problem();
        }
        return Validation.NotFound("contact", id);
    }

    private static async Task<IResult> Drivers(LifecycleDb db, TimeProvider clock, string? from, string? to)
    {
        var check = new Validation();
        var start = Instant(check, "from", from);
        var end = Instant(check, "to", to);
        if (start >= end) check.Add("to", "must be after from");
        if (!check.Ok) return check.Problem();
        var (version, _) = await ScoringModels.CurrentAsync(db, clock, default);
        var changes = await db.Set<ScoreChange>().AsNoTracking().Where((await ScoringModels.RowsAsync(db, version, default)).Predicate())
            .Where(c => c.At >= start && c.At < end)
            .Select(c => new DriverChange(c.ContactId, c.RuleId, c.Kind, c.Points)).ToListAsync();
        var mqls = (await db.Transitions.AsNoTracking().Where(t => t.ToStatus == ContactStatus.Mql && t.At >= start && t.At < end)
            .Select(t => t.ContactId).Distinct().ToListAsync()).ToHashSet();
        var drivers = ScoreDrivers.Compute(changes, mqls).ToDictionary(d => d.RuleId,
            d => new DriverView(d.Kind, d.Points, d.ContactsWith, d.MqlRateWith, d.ContactsWithout, d.MqlRateWithout));
        return TypedResults.Ok(new { from = start, to = end, model_version = version, metrics = new Dictionary<string, object> { ["nurture.score_drivers"] = drivers } });
    }

    private static DateTime Instant(Validation check, string field, string? text)
    {
        if (text is null) { check.Add(field, "required"); return default; }
        if (TryInstant(text, out var instant)) return instant;
        check.Add(field, $"'{text}' is not an instant (ISO 8601 with an offset or Z, or a date YYYY-MM-DD)");
        return default;
    }

    /// <summary>An ISO 8601 instant with an offset, or a date (its UTC midnight).</summary>
    public static bool TryInstant(string text, out DateTime instant)
    {
        instant = default;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            instant = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            return true;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        if (!text.EndsWith('Z') && !text.Contains('+') && text.LastIndexOf('-') <= 9) return false; // needs an offset
        instant = parsed.UtcDateTime;
        return true;
    }

    private static double Round(double value) => Math.Round(value, 4);
}
