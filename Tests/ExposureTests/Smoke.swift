import Testing
@testable import Exposure
