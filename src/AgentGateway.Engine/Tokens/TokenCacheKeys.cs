using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Tokens;

/// <summary>
/// Cache keys. System: the client identity (client id, token URL, certificate thumbprint). User: the
/// full SHA-256 (lower-case hex) of <c>userJwt + "|" + systemKey</c>, so the JWT itself is never a key.
/// </summary>
internal static class TokenCacheKeys
{
    /// <summary>Characters in a user key: the 32 bytes of a SHA-256 as lower-case hex.</summary>
    public const int UserKeyLength = SHA256.HashSizeInBytes * 2;

    /// <summary>
    /// Plaintext (JWT, bar, identity) up to this many UTF-8 bytes is encoded on the stack; longer in an
    /// array rented from the shared pool. An IAS user token of ~900 characters with its identity is
    /// about 1 KB; tokens with many claims go to the pool, which also allocates nothing once warm.
    /// </summary>
    internal const int StackPlaintextBytes = 2048;

    private const byte Separator = (byte)'|';

    public static string SystemKey(AgentCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return credentials.IdentityKey;
    }

    /// <summary>The user key as a string: what the cache stores.</summary>
    public static string UserKey(string userJwt, string systemKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(userJwt);
        ArgumentNullException.ThrowIfNull(systemKey);
        Span<char> key = stackalloc char[UserKeyLength];
        WriteUserKey(userJwt, systemKey, key);
        return new string(key);
    }

    /// <summary>
    /// The same key as <see cref="UserKey(string, string)"/>, written into <paramref name="destination"/>
    /// (<see cref="UserKeyLength"/> characters) without allocating: a cache hit looks it up as characters.
    /// </summary>
    /// <remarks>
    /// UTF-8 of <c>jwt + "|" + systemKey</c> equals UTF-8 of each part around the bar byte, even for lone
    /// surrogates (each becomes U+FFFD either way, as the bar is no surrogate), so the parts are encoded
    /// in place rather than concatenated first.
    /// </remarks>
    internal static void WriteUserKey(ReadOnlySpan<char> userJwt, ReadOnlySpan<char> systemKey, Span<char> destination)
    {
        if (userJwt.IsEmpty)
        {
            throw new ArgumentException("A user JWT must not be empty.", nameof(userJwt));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, UserKeyLength, nameof(destination));
        var length = checked(Encoding.UTF8.GetByteCount(userJwt) + 1 + Encoding.UTF8.GetByteCount(systemKey));
        byte[]? rented = null;
        var plaintext = (length <= StackPlaintextBytes
            ? stackalloc byte[StackPlaintextBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(length)))[..length];
        try
        {
            var written = Encoding.UTF8.GetBytes(userJwt, plaintext);
            plaintext[written++] = Separator;
            Encoding.UTF8.GetBytes(systemKey, plaintext[written..]);

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(plaintext, hash);
            Convert.TryToHexStringLower(hash, destination, out _);
        }
        finally
        {
            // The buffer holds the user's JWT in the clear: wipe it before the stack frame is reused or
            // the pooled array goes back to be rented by any other code in the process.
            CryptographicOperations.ZeroMemory(plaintext);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
