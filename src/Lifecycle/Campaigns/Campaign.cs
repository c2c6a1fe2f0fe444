namespace Lifecycle.Campaigns;

public enum Audience { Prospects, Customers }

public sealed class Campaign
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string Channel { get; set; }
    public Audience Audience { get; set; }
    public DateOnly? StartsOn { get; set; }
    public DateOnly? EndsOn { get; set; }
    public Dictionary<string, string> Custom { get; set; } = [];
}
