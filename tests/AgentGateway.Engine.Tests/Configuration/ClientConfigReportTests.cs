using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;

namespace AgentGateway.Engine.Tests.Configuration;

public class ClientConfigReportTests
{
    private static readonly DateTimeOffset s_now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static CredentialsReport Credentials(DateTimeOffset? notAfter) => new()
    {
        ClientId = "client",
        TokenServiceUrl = new Uri("https://ias.example.test/oauth2/token"),
        GatewayUrl = new Uri("https://gateway.example.test"),
        Mode = CredentialMode.Standard,
        Dependencies = [],
        Source = CredentialSourceKind.Explicit,
        CertificateSubject = notAfter is null ? null : "CN=client",
        CertificateNotAfter = notAfter,
    };

    [Theory]
    [InlineData(90.0, 90, false)]
    [InlineData(14.0, 14, false)]
    [InlineData(13.99, 13, true)]
    [InlineData(0.5, 0, true)]
    [InlineData(-0.5, -1, true)]
    public void The_client_certificate_shows_its_days_left_and_expires_soon_under_14(double days, int daysLeft, bool soon)
    {
        var report = ClientConfigReport.From(ClientConfig.Default, CredentialSource.None)
            .WithCredentials(Credentials(s_now.AddDays(days)), s_now);

        Assert.Equal(s_now.AddDays(days), report.CertificateNotAfter);
        Assert.Equal(daysLeft, report.CertificateDaysLeft);
        Assert.Equal(soon, report.CertificateExpiresSoon);
        Assert.Equal("CN=client", report.CertificateSubject);
    }

    [Fact]
    public void Credentials_without_a_certificate_have_no_days_left_and_no_warning()
    {
        var report = ClientConfigReport.From(ClientConfig.Default, CredentialSource.None).WithCredentials(Credentials(null), s_now);

        Assert.Null(report.CertificateNotAfter);
        Assert.Null(report.CertificateDaysLeft);
        Assert.False(report.CertificateExpiresSoon);
    }
}
