namespace Lifecycle.Pipeline;

public enum DealType { New, Upsell, CrossSell, Renewal }
public enum DealOutcome { Open, Won, Lost }

public sealed class Deal
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public string? ContactId { get; set; }
    public DealType Type { get; set; }
    public decimal Amount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ClosedAt { get; set; }
    public DealOutcome Outcome { get; set; }
    public string? CampaignId { get; set; }
    public Dictionary<string, string> Custom { get; set; } = [];
}
