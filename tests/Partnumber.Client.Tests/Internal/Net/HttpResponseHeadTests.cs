using Partnumber.Client.Internal.Net;

namespace Partnumber.Client.Tests.Internal.Net;

/// <summary>The response-head reader of the SDK's own WebSocket handshake.</summary>
public sealed class HttpResponseHeadTests
{
    private const string Head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nconnection :  keep-alive, Upgrade \r\nX-Empty:";

    [Fact]
    public void Reads_the_status_line_the_status_and_a_header_by_any_case()
    {
        Assert.Equal("HTTP/1.1 400 Bad Request", HttpResponseHead.StatusLine(Head));
        Assert.Equal(400, HttpResponseHead.StatusOf(Head));
        Assert.Equal("text/plain", HttpResponseHead.HeaderValue(Head, "content-type"));
        Assert.Equal("keep-alive, Upgrade", HttpResponseHead.HeaderValue(Head, "Connection"));
        Assert.Equal("", HttpResponseHead.HeaderValue(Head, "X-Empty"));
        Assert.Null(HttpResponseHead.HeaderValue(Head, "Content-Length"));
    }

    [Theory]
    [InlineData("HTTP/1.1 101")]
    [InlineData("HTTP/1.0 101 Switching Protocols")]
    public void A_status_line_with_or_without_a_reason_has_its_status(string head) => Assert.Equal(101, HttpResponseHead.StatusOf(head));

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2")]
    [InlineData("HTTP/2 101 Switching")]
    [InlineData("HTTP/1.1 abc OK")]
    [InlineData("")]
    public void A_status_line_that_is_not_http_1_has_no_status(string head) => Assert.Null(HttpResponseHead.StatusOf(head));

    [Theory]
    [InlineData("Upgrade", true)]
    [InlineData("keep-alive, upgrade", true)]
    [InlineData("keep-alive,Upgrade ,close", true)]
    [InlineData("keep-alive", false)]
    [InlineData("upgraded", false)]
    public void Finds_a_token_in_a_comma_separated_value(string value, bool found) => Assert.Equal(found, HttpResponseHead.HasToken(value, "upgrade"));

    [Fact]
    public void Finds_the_end_of_the_head_in_bytes()
    {
        Assert.Equal(15, HttpResponseHead.IndexOfEnd("HTTP/1.1 101 OK\r\n\r\n\x81"u8));
        Assert.Equal(-1, HttpResponseHead.IndexOfEnd("HTTP/1.1 101 OK\r\n"u8));
    }
}
