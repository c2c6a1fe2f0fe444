using System.Security.Cryptography;
using Lifecycle.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Access;

/// <summary>Creates dashboard users and checks their passwords (PBKDF2 through ASP.NET Core Identity's hasher).</summary>
public static class Users
{
    private static readonly PasswordHasher<User> Hasher = new();
    public const int MinimumPasswordLength = 12;

    /// <returns>The new user, or the reason it cannot be created.</returns>
    public static async Task<(User? User, string? Refusal)> CreateAsync(
        LifecycleDb db, string email, string name, UserRole role, string password, TimeProvider clock, CancellationToken cancel = default)
    {
        var normalized = email.Trim().ToLowerInvariant();
        if (password.Length < MinimumPasswordLength) return (null, $"the password needs at least {MinimumPasswordLength} characters");
        if (await db.Set<User>().AnyAsync(u => u.Email == normalized, cancel)) return (null, $"a user '{normalized}' already exists");
        var user = new User { Email = normalized, Name = name.Trim(), Role = role, PasswordHash = "", CreatedAt = clock.GetUtcNow().UtcDateTime };
        user.PasswordHash = Hasher.HashPassword(user, password);
        db.Set<User>().Add(user);
        await db.SaveChangesAsync(cancel);
        return (user, null);
    }

    /// <summary>The active user with this e-mail and password, or null (the same answer for a wrong e-mail or password).</summary>
    public static async Task<User?> SignInAsync(LifecycleDb db, string email, string password, CancellationToken cancel = default)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var user = await db.Set<User>().FirstOrDefaultAsync(u => u.Email == normalized && u.DisabledAt == null, cancel);
        if (user is null)
        {
            // Spend the same time as a real check, so timing does not tell which e-mails exist.
            Hasher.VerifyHashedPassword(DummyUser, DummyHash, password);
            return null;
        }
        var result = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = Hasher.HashPassword(user, password);
            await db.SaveChangesAsync(cancel);
        }
        return user;
    }

    /// <returns>The reason the role cannot be changed, or null when it was.</returns>
    public static async Task<string?> ChangeRoleAsync(LifecycleDb db, long id, UserRole role, CancellationToken cancel = default)
    {
        if (await db.Set<User>().FirstOrDefaultAsync(u => u.Id == id, cancel) is not { } user) return "no such user";
        // Someone must stay able to manage users.
        if (user.Role == UserRole.Admin && role != UserRole.Admin
            && !await db.Set<User>().AnyAsync(u => u.Id != id && u.Role == UserRole.Admin && u.DisabledAt == null, cancel))
            return "the last admin stays an admin";
        user.Role = role;
        await db.SaveChangesAsync(cancel);
        return null;
    }

    /// <returns>The reason the password cannot be set, or null when it was.</returns>
    public static async Task<string?> ResetPasswordAsync(LifecycleDb db, long id, string password, CancellationToken cancel = default)
    {
        if (password.Length < MinimumPasswordLength) return $"the password needs at least {MinimumPasswordLength} characters";
        if (await db.Set<User>().FirstOrDefaultAsync(u => u.Id == id, cancel) is not { } user) return "no such user";
        user.PasswordHash = Hasher.HashPassword(user, password);
        await db.SaveChangesAsync(cancel);
        return null;
    }

    /// <summary>A random password for generated logins (the demo's, `lifecycle users create` without one).</summary>
    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');

    private static readonly User DummyUser = new() { Email = "", Name = "", PasswordHash = "" };
    private static readonly string DummyHash = Hasher.HashPassword(DummyUser, "not a real password");
}
