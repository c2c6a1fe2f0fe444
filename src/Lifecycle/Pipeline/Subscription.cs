namespace Lifecycle.Pipeline;

/// <summary>A recurring contract. Active on [StartsOn, EndsOn); no EndsOn means still active.</summary>
public sealed class Subscription
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public decimal Mrr { get; set; }
    public DateOnly StartsOn { get; set; }
    public DateOnly? EndsOn { get; set; }
}
