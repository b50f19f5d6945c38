/// Sockets a service is started with (socket activation by `brig listen`): descriptors of
/// brig's own, in the order of the socket unit, with their names for $LISTEN_FDNAMES.
public struct SocketActivation: Sendable {
    public var descriptors: [Int32]
    public var names: [String]

    public init(descriptors: [Int32], names: [String]) {
        self.descriptors = descriptors
        self.names = names
    }
}
