import Testing
@testable import Jail
