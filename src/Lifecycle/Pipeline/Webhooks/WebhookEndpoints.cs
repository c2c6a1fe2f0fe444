using System.Net;
using System.Security.Cryptography;
using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Pipeline.Webhooks;

public sealed record WebhookInput(string? Url, List<string>? Events, string? Secret, bool? Active);
public sealed record WebhookView(long Id, string Url, IReadOnlyList<string> Events, bool Active, DateTime CreatedAt, string? Secret)
{
    public static WebhookView Of(Webhook w, bool withSecret = false) => new(w.Id, w.Url, w.Events, w.Active, w.CreatedAt, withSecret ? w.Secret : null);
}

/// <summary>Outbound webhooks: subscriptions to event types, and each one's delivery log. The secret is shown once, on creation.</summary>
public static class WebhookEndpoints
{
    public static void MapWebhookEndpoints(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        hooks.MapGet("/", async (LifecycleDb db) => TypedResults.Ok((await db.Set<Webhook>().AsNoTracking().OrderBy(w => w.Id).ToListAsync()).Select(w => WebhookView.Of(w))))
            .WithSummary("List webhooks");
        hooks.MapGet("/{id:long}", async Task<IResult> (LifecycleDb db, long id) =>
            await db.Set<Webhook>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == id) is { } w ? TypedResults.Ok(WebhookView.Of(w)) : Validation.NotFound("webhook", id.ToString()))
            .WithSummary("One webhook");
        hooks.MapPost("/", Create).WithSummary($"Subscribe a URL to events ({string.Join(", ", Webhook.EventTypes)}); answers the signing secret once");
        hooks.MapPut("/{id:long}", Update).WithSummary("Change a webhook's URL, events or active flag");
        hooks.MapDelete("/{id:long}", Delete).WithSummary("Delete a webhook, its pending events and its delivery log");
        hooks.MapGet("/{id:long}/deliveries", Deliveries).WithSummary("The webhook's delivery attempts, newest first");
    }

    internal static async Task<IResult> Create(LifecycleDb db, TimeProvider clock, WebhookOptions options, WebhookInput input)
    {
        var check = new Validation();
        var hook = new Webhook { Url = "", Secret = input.Secret?.Trim() is { Length: >= 16 } given ? given : "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) };
        if (input.Secret is { } secret && secret.Trim().Length < 16) check.Add("secret", "needs at least 16 characters (or leave it out to get a random one)");
        Apply(check, hook, input, options);
        if (!check.Ok) return check.Problem();
        hook.CreatedAt = clock.GetUtcNow().UtcDateTime;
        db.Set<Webhook>().Add(hook);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/webhooks/{hook.Id}", WebhookView.Of(hook, withSecret: true));
    }

    private static async Task<IResult> Update(LifecycleDb db, WebhookOptions options, long id, WebhookInput input)
    {
        var hook = await db.Set<Webhook>().FirstOrDefaultAsync(w => w.Id == id);
        if (hook is null) return Validation.NotFound("webhook", id.ToString());
        var check = new Validation();
        if (input.Secret is not null) check.Add("secret", "cannot be changed; create a new webhook to rotate it");
        Apply(check, hook, input, options);
        if (!check.Ok) return check.Problem();
        await db.SaveChangesAsync();
        return TypedResults.Ok(WebhookView.Of(hook));
    }

    private static void Apply(Validation check, Webhook hook, WebhookInput input, WebhookOptions options)
    {
        var url = check.Required("url", input.Url);
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                check.Add("url", $"'{url}' is not an absolute http or https URL");
            else if (!options.AllowPrivateTargets && TargetRefusal(uri) is { } refusal)
                check.Add("url", refusal);
            hook.Url = url;
        }
        var events = input.Events ?? [];
        if (events.Count == 0) check.Add("events", $"subscribe to at least one of {string.Join(", ", Webhook.EventTypes)}");
        foreach (var e in events.Where(e => !Webhook.EventTypes.Contains(e)))
            check.Add("events", $"'{e}' is not one of {string.Join(", ", Webhook.EventTypes)}");
        hook.Events = events.Distinct().ToList();
        hook.Active = input.Active ?? hook.Active;
    }

    /// <summary>An early answer for URLs naming a forbidden address outright; names are checked again on every connect.</summary>
    private static string? TargetRefusal(Uri uri)
    {
        if (uri.IsLoopback) return $"{uri.Host} is a loopback address; webhooks may not target loopback, private or link-local networks unless an admin allows it";
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && TargetGuard.Refusal(address) is { } reason
            ? reason + "; webhooks may not target it unless an admin allows it (Lifecycle:Webhooks:AllowPrivateTargets)"
            : null;
    }

    internal static async Task<IResult> Delete(LifecycleDb db, long id)
    {
        var hook = await db.Set<Webhook>().FirstOrDefaultAsync(w => w.Id == id);
        if (hook is null) return Validation.NotFound("webhook", id.ToString());
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Set<OutboxMessage>().Where(m => m.WebhookId == id).ExecuteDeleteAsync();
        await db.Set<DeliveryAttempt>().Where(a => a.WebhookId == id).ExecuteDeleteAsync();
        db.Set<Webhook>().Remove(hook);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Deliveries(LifecycleDb db, long id, [AsParameters] Paging paging)
    {
        if (!await db.Set<Webhook>().AnyAsync(w => w.Id == id)) return Validation.NotFound("webhook", id.ToString());
        var query = db.Set<DeliveryAttempt>().AsNoTracking().Where(a => a.WebhookId == id);
        return TypedResults.Ok(new Page<DeliveryAttempt>(await query.OrderByDescending(a => a.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(),
            paging.Take, paging.Skip, await query.CountAsync()));
    }
}
