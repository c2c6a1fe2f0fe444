namespace Lifecycle.Campaigns;

public enum CostCategory { Media, Labor, Technology, Other }

/// <summary>Program cost of one month, keyed by (month, campaign, channel, category).</summary>
public sealed class CostLine
{
    public long Id { get; set; }
    /// <summary>First day of the month the cost belongs to.</summary>
    public DateOnly Month { get; set; }
    public string? CampaignId { get; set; }
    public required string Channel { get; set; }
    public CostCategory Category { get; set; }
    public decimal Amount { get; set; }
}
