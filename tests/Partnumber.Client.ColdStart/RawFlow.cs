using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Partnumber.Client.ColdStart;

/// <summary>
/// The API document's flow written by hand on the framework alone (ClientWebSocket, HttpClient, JsonDocument), one
/// socket per classification as the Node reference does: the floor a .NET process pays for its first classification
/// whatever library it uses (the <c>--raw</c> mode of this app, the harness's <c>*-raw</c> clients).
/// </summary>
internal static class RawFlow
{
    private static readonly HttpClient Http = new();

    public static async Task ClassifyAsync(Uri baseAddress, string partnumber)
    {
        var socketUri = new UriBuilder(new Uri(baseAddress, "socket.io/")) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws", Query = "EIO=4&transport=websocket" }.Uri;
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(socketUri, CancellationToken.None);
        var buffer = new byte[16 * 1024];
        await ReceiveAsync(socket, buffer); // Engine.IO open
        await SendAsync(socket, "40");
        string? sessionId = null;
        while (sessionId is null)
        {
            var packet = await ReceiveAsync(socket, buffer);
            if (packet.StartsWith("40", StringComparison.Ordinal))
            {
                using var connect = JsonDocument.Parse(packet.AsMemory(2));
                sessionId = connect.RootElement.GetProperty("sid").GetString();
            }
        }

        var body = "{\"partnumber\":" + JsonSerializer.Serialize(partnumber, RawJson.Default.String) + ",\"socket_session_id\":\"" + sessionId + "\"}";
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Http.PostAsync(new Uri(baseAddress, "classify-partnumber"), content);
        response.EnsureSuccessStatusCode();
        using (var accepted = JsonDocument.Parse(await response.Content.ReadAsStreamAsync()))
        {
            var roomId = accepted.RootElement.GetProperty("room_id").GetString();
            await SendAsync(socket, "42[\"join\",{\"room_id\":\"" + roomId + "\"}]");
        }

        while (true)
        {
            var packet = await ReceiveAsync(socket, buffer);
            if (packet == "2")
            {
                await SendAsync(socket, "3");
            }
            else if (packet.StartsWith("42[\"classification_finished\"", StringComparison.Ordinal))
            {
                break;
            }
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveAsync(ClientWebSocket socket, byte[] buffer)
    {
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
    }
}
