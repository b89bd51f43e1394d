using System.Collections.Concurrent;
using System.Text;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Diagnostics;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Tokens;

internal static class TokenTestKit
{
    public static AgentCredentials TransparentCredentials(string clientId = "agent", string url = "https://ias.example.test/oauth2/token") =>
        new(clientId, new Uri(url), new Uri("https://gateway.example.test"), [], new CredentialSource(CredentialSourceKind.Environment, "INTEGRATION_CLIENT_ID"));

    /// <summary>An unsigned JWT with the given payload claims.</summary>
    public static string Jwt(string payloadJson) =>
        $"{B64("{\"alg\":\"none\"}")}.{B64(payloadJson)}.sig";

    public static string JwtWithExp(DateTimeOffset exp, string sub = "user") =>
        Jwt($"{{\"sub\":\"{sub}\",\"exp\":{exp.ToUnixTimeSeconds()}}}");

    private static string B64(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Waits for a condition that other threads make true; bounded so a bug fails instead of hanging.</summary>
    public static void Eventually(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(10)), $"timed out waiting for: {what}");

    public static ClientConfig Config(int maxSystem = 10, int maxUser = 10, int bufferSeconds = 60, int fallbackSeconds = 300) =>
        ClientConfig.Default.With(
            maxSystemTokenCacheSize: maxSystem,
            maxUserTokenCacheSize: maxUser,
            tokenExpiryBuffer: TimeSpan.FromSeconds(bufferSeconds),
            fallbackTokenTtl: TimeSpan.FromSeconds(fallbackSeconds));
}

/// <summary>
/// A token fetcher under the test's control: counts calls, and each call may be held at a gate
/// (a TaskCompletionSource the test completes) or fail.
/// </summary>
internal sealed class FakeFetcher : ITokenFetcher
{
    private int _calls;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public int Calls => Volatile.Read(ref _calls);

    public ConcurrentQueue<string?> Assertions { get; } = new();

    /// <summary>Seconds of expires_in for every token (null: none).</summary>
    public string? ExpiresIn { get; set; } = "3600";

    /// <summary>When set, call N (1-based) waits for Gates[N] before answering.</summary>
    public ConcurrentDictionary<int, TaskCompletionSource> Gates { get; } = new();

    /// <summary>When set, call N fails with this exception (after its gate).</summary>
    public ConcurrentDictionary<int, Exception> Failures { get; } = new();

    public TaskCompletionSource Gate(int call)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Gates[call] = gate;
        return gate;
    }

    public async Task<TokenResponse> FetchAsync(string? userJwt, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        Assertions.Enqueue(userJwt);
        if (Gates.TryGetValue(call, out var gate))
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Failures.TryGetValue(call, out var failure))
        {
            throw failure;
        }

        return new TokenResponse { AccessToken = $"token-{call}-{(userJwt is null ? "system" : "user")}", ExpiresIn = ExpiresIn };
    }

    public void Dispose()
    {
    }
}

internal sealed class RecordingSink : ICallLogSink
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public void Verbose(string message) => Messages.Enqueue(message);

    public void Debug(string message) => Messages.Enqueue(message);
}
