using Lifecycle.Server;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Campaigns;

public sealed record CampaignInput(string? Id, string? Name, string? Channel, string? Audience, DateOnly? StartsOn, DateOnly? EndsOn, Dictionary<string, string>? Custom);
public sealed record CostInput(string? Month, string? CampaignId, string? Channel, string? Category, decimal? Amount);

/// <summary>Campaigns and their monthly program cost.</summary>
public static class CampaignEndpoints
{
    public static void MapCampaignEndpoints(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/campaigns").WithTags("Campaigns");
        campaigns.MapGet("/", async (LifecycleDb db, [AsParameters] Paging paging, string? channel) =>
        {
            var query = db.Campaigns.AsNoTracking();
            if (channel is not null) query = query.Where(c => c.Channel == channel);
            return TypedResults.Ok(new Page<Campaign>(await query.OrderBy(c => c.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, await query.CountAsync()));
        }).WithSummary("List campaigns (filter: channel)");
        campaigns.MapGet("/{id}", async Task<IResult> (LifecycleDb db, string id) =>
            await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id) is { } c ? TypedResults.Ok(c) : Validation.NotFound("campaign", id))
            .WithSummary("One campaign");
        campaigns.MapPost("/", CreateCampaign).WithSummary("Create a campaign");
        campaigns.MapPut("/{id}", UpdateCampaign).WithSummary("Replace a campaign's fields");

        var costs = api.MapGroup("/costs").WithTags("Costs");
        costs.MapGet("/", async (LifecycleDb db, [AsParameters] Paging paging, string? month, string? campaign_id) =>
        {
            var query = db.CostLines.AsNoTracking();
            if (month is not null && new Validation().Month("month", month) is { } m) query = query.Where(c => c.Month == m);
            if (campaign_id is not null) query = query.Where(c => c.CampaignId == campaign_id);
            return TypedResults.Ok(new Page<CostLine>(await query.OrderBy(c => c.Id).Skip(paging.Skip).Take(paging.Take).ToListAsync(), paging.Take, paging.Skip, await query.CountAsync()));
        }).WithSummary("List monthly cost lines (filters: month YYYY-MM, campaign_id)");
        costs.MapPost("/", CreateCost).WithSummary("Add a cost line (one per month, campaign, channel and category)");
        costs.MapPut("/{id:long}", UpdateCost).WithSummary("Replace a cost line");
        costs.MapDelete("/{id:long}", async Task<IResult> (LifecycleDb db, long id) =>
        {
            var cost = await db.CostLines.FindAsync(id);
            if (cost is null) return Validation.NotFound("cost line", id.ToString());
            db.CostLines.Remove(cost);
            await db.SaveChangesAsync();
            return TypedResults.NoContent();
        }).WithSummary("Delete a cost line");
    }

    private static void Apply(Validation check, Campaign campaign, CampaignInput input)
    {
        campaign.Name = check.Required("name", input.Name) ?? "";
        campaign.Channel = check.Required("channel", input.Channel) ?? "";
        campaign.Audience = check.Enum<Audience>("audience", input.Audience) ?? Audience.Prospects;
        campaign.StartsOn = input.StartsOn;
        campaign.EndsOn = input.EndsOn;
        if (input.EndsOn < input.StartsOn) check.Add("ends_on", "is before starts_on");
        campaign.Custom = input.Custom ?? [];
    }

    private static async Task<IResult> CreateCampaign(LifecycleDb db, CampaignInput input)
    {
        var check = new Validation();
        var campaign = new Campaign { Id = input.Id?.Trim() is { Length: > 0 } id ? id : "cmp_" + Guid.NewGuid().ToString("N")[..16], Name = "", Channel = "" };
        Apply(check, campaign, input);
        if (!check.Ok) return check.Problem();
        if (await db.Campaigns.AnyAsync(c => c.Id == campaign.Id)) return Validation.Conflict($"a campaign '{campaign.Id}' already exists");
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/campaigns/{campaign.Id}", campaign);
    }

    private static async Task<IResult> UpdateCampaign(LifecycleDb db, string id, CampaignInput input)
    {
        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == id);
        if (campaign is null) return Validation.NotFound("campaign", id);
        var check = new Validation();
        Apply(check, campaign, input);
        if (!check.Ok) return check.Problem();
        await db.SaveChangesAsync();
        return TypedResults.Ok(campaign);
    }

    private static async Task<Validation> Apply(LifecycleDb db, CostLine cost, CostInput input)
    {
        var check = new Validation();
        cost.Month = check.Month("month", input.Month) ?? default;
        cost.CampaignId = input.CampaignId;
        if (input.CampaignId is not null && !await db.Campaigns.AnyAsync(c => c.Id == input.CampaignId)) check.Add("campaign_id", $"no campaign '{input.CampaignId}'");
        cost.Channel = check.Required("channel", input.Channel) ?? "";
        if (input.Category is null) check.Add("category", "required");
        cost.Category = check.Enum<CostCategory>("category", input.Category) ?? CostCategory.Other;
        if (input.Amount is null) check.Add("amount", "required");
        check.NotNegative("amount", input.Amount);
        cost.Amount = input.Amount ?? 0;
        return check;
    }

    private static async Task<IResult> CreateCost(LifecycleDb db, CostInput input)
    {
        var cost = new CostLine { Channel = "" };
        var check = await Apply(db, cost, input);
        if (!check.Ok) return check.Problem();
        if (await db.CostLines.AnyAsync(c => c.Month == cost.Month && c.CampaignId == cost.CampaignId && c.Channel == cost.Channel && c.Category == cost.Category))
            return Validation.Conflict("a cost line for this month, campaign, channel and category exists; change it with PUT");
        db.CostLines.Add(cost);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/costs/{cost.Id}", cost);
    }

    private static async Task<IResult> UpdateCost(LifecycleDb db, long id, CostInput input)
    {
        var cost = await db.CostLines.FindAsync(id);
        if (cost is null) return Validation.NotFound("cost line", id.ToString());
        var check = await Apply(db, cost, input);
        if (!check.Ok) return check.Problem();
        await db.SaveChangesAsync();
        return TypedResults.Ok(cost);
    }
}
