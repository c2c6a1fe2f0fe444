namespace Lifecycle.Tracking;

public enum IdentityKind { Anonymous, User }

/// <summary>
/// An identifier that names a contact: a browser's anonymousId once it identified, or the id of a contact that
/// was merged into another. Lets later events under an old identifier land on the right contact.
/// </summary>
public sealed class Identity
{
    public IdentityKind Kind { get; set; }
    public required string Value { get; set; }
    public required string ContactId { get; set; }
    public DateTime LinkedAt { get; set; }
}
