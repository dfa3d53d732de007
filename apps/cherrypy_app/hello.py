import cherrypy


class HelloWorld(object):  # noqa: UP004 - as written in CherryPy tutorial 1
    @cherrypy.expose
    def index(self):
        return "Hello world!"


if __name__ == '__main__':
    cherrypy.quickstart(HelloWorld())
