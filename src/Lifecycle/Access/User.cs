using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Lifecycle.Access;

/// <summary>
/// What a dashboard user may do: admins everything; marketing edits marketing settings (scoring, programs,
/// segments, targets); sales works the queue; viewers only read.
/// </summary>
public enum UserRole { Admin, Marketing, Sales, Viewer }

/// <summary>A person who signs in to the dashboard. The password is stored as an ASP.NET Core Identity hash.</summary>
public sealed class User
{
    public long Id { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
    public UserRole Role { get; set; }
    public required string PasswordHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DisabledAt { get; set; }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users");
        user.Property(u => u.Email).HasMaxLength(320);
        user.HasIndex(u => u.Email).IsUnique();
        user.Property(u => u.Role).HasConversion(r => Storage.SnakeCase.Of(r.ToString()), v => Enum.Parse<UserRole>(v, true));
    }
}
