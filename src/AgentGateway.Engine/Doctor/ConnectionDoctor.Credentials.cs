using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Doctor;

/// <summary>
/// The stages of the credentials: the client certificate (validity, days left) and a token fetched anew from the token
/// service, outside the runspace's cache (a system token, or a user token exchanged).
/// </summary>
internal sealed partial class ConnectionDoctor
{
    private sealed partial class Run
    {
        private async Task<bool> TokenStageAsync(string stage, AgentCredentials credentials, X509Certificate2Collection? roots, string? userJwt)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (userJwt is not null)
                {
                    JwtReader.ThrowIfNotJwt(userJwt.Trim());
                }

                // Fetched anew, outside the runspace's cache: this stage proves the token service, not the cache.
                using var client = new TokenClient(credentials, roots, Timeout, doctor._time, null, _config.ProxySettings, Environment);
                var response = userJwt is null
                    ? await client.RequestSystemTokenAsync(cancellationToken).ConfigureAwait(false)
                    : await client.RequestUserTokenAsync(userJwt.Trim(), cancellationToken).ConfigureAwait(false);
                var expiry = TokenExpiry.Compute(response, doctor._time.GetUtcNow(), _config.TokenExpiryBuffer, _config.FallbackTokenTtl);
                var verdict = expiry.ServableLifetime > TimeSpan.Zero ? StageVerdict.Pass : StageVerdict.Fail;
                Add(stage, credentials.TokenServiceUrl.Authority, verdict, started, Invariant(
                    $"issued for client '{credentials.ClientId}', valid until {expiry.ReportedExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC ({expiry.ReportedLifetime.TotalMinutes:0} min, from {expiry.Source}){(response.Attempts > 1 ? $", after {response.Attempts} attempts" : string.Empty)}{(verdict == StageVerdict.Fail ? ": already inside the expiry buffer, so it would never be sent" : string.Empty)}"));
                return verdict == StageVerdict.Pass;
            }
            catch (Exception e) when (e is TokenRequestException or UserTokenException)
            {
                Add(stage, credentials.TokenServiceUrl.Authority, StageVerdict.Fail, started, e.Message, e);
                return false;
            }
        }

        private void CertificateStage(AgentCredentials credentials, CredentialsReport described)
        {
            var started = Stopwatch.GetTimestamp();
            if (credentials.ClientCertificate is not { } certificate)
            {
                Add("Client certificate", null, StageVerdict.Skip, started, "transparent mode: no client certificate");
                return;
            }

            var now = doctor._time.GetUtcNow();
            var left = (int)Math.Floor((described.CertificateNotAfter!.Value - now).TotalDays);
            var detail = Invariant($"{certificate.Subject}, valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} ({left} days left), the private key matches");
            var verdict = left < 0 ? StageVerdict.Fail : left < ClientConfigReport.CertificateWarningDays ? StageVerdict.Warn : StageVerdict.Pass;
            Add("Client certificate", described.CertificateThumbprint?[..8], verdict, started, detail, advice: verdict == StageVerdict.Pass ? StageAdvice.None : StageAdvice.CertificateExpiring);
        }

        private static TokenRequestException TokenTlsFailure(Uri url, TlsFailureCause cause) =>
            new($"The TLS connection to the token service at {url} failed.", TokenKind.System, url, null, null, null, 1) { TlsCause = cause };
    }
}
